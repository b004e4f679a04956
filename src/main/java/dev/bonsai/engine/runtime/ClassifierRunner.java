package dev.bonsai.engine.runtime;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.text.LengthBuckets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exported classifier graph (or an embedding model's, whose rows then have no probabilities) with
 * its tokenizer, ready to run: what compression evaluates and what a bundle's consumer would run. Owns an ONNX Runtime session and a native tokenizer; close
 * it.
 */
public final class ClassifierRunner implements AutoCloseable {

    static {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** One batch's outputs; {@code tokens} counts real (non-padding) tokens. */
    public record Output(float[][] probabilities, float[][] embeddings, int tokens) {
    }

    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long padId;
    private final boolean needsTokenTypes;

    private ClassifierRunner(OrtSession session, HuggingFaceTokenizer tokenizer, int maxLength) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = LengthBuckets.padId(tokenizer);
        this.needsTokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /** A tokenizer for {@code tokenizerJson}, truncating at {@code maxLength} and padding to the longest. */
    public static HuggingFaceTokenizer tokenizer(byte[] tokenizerJson, int maxLength) {
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of("truncation", "true",
                    "padding", "true", "maxLength", Integer.toString(maxLength), "addSpecialTokens", "true"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not load the tokenizer", e);
        }
    }

    public static ClassifierRunner open(byte[] graph, byte[] tokenizerJson, int maxLength, int intraOpThreads) {
        HuggingFaceTokenizer tokenizer = tokenizer(tokenizerJson, maxLength);
        OrtSession session = null;
        try {
            session = Encoder.createSession(graph, new Encoder.Options(intraOpThreads, 32, maxLength));
            return new ClassifierRunner(session, tokenizer, maxLength);
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            Encoder.closeAfterFailure(session, e);
            throw new IllegalStateException("could not open the classifier graph", e);
        }
    }

    /**
     * Runs one batch. Rows are padded by {@link LengthBuckets}, so each text's outputs are the same
     * alone as with any other texts.
     */
    public Output run(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        float[][] probabilities = new float[encodings.length][];
        float[][] embeddings = new float[encodings.length][];
        int tokens = 0;
        for (LengthBuckets.Group group : LengthBuckets.group(encodings, maxLength, padId)) {
            Output output = run(group);
            for (int i = 0; i < group.rows().length; i++) {
                probabilities[group.rows()[i]] = output.probabilities()[i];
                embeddings[group.rows()[i]] = output.embeddings()[i];
            }
            tokens += output.tokens();
        }
        return new Output(probabilities, embeddings, tokens);
    }

    private Output run(LengthBuckets.Group group) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", Encoder.tensor(environment, group.ids()));
            inputs.put("attention_mask", Encoder.tensor(environment, group.attentionMask()));
            if (needsTokenTypes) {
                inputs.put("token_type_ids", Encoder.tensor(environment, group.typeIds()));
            }
            int tokens = 0;
            for (long[] row : group.attentionMask()) {
                for (long value : row) {
                    tokens += (int) value;
                }
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][] embeddings = (float[][]) result.get(ClassifierExport.EMBEDDING).orElseThrow().getValue();
                // An embedding model's graph has no probabilities: each row has none.
                float[][] probabilities = result.get(ClassifierExport.PROBABILITIES).isPresent()
                        ? (float[][]) result.get(ClassifierExport.PROBABILITIES).get().getValue()
                        : new float[embeddings.length][0];
                return new Output(probabilities, embeddings, tokens);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The ids {@code tokenizerJson} gives each text, truncated at {@code maxLength}, special tokens included. */
    public static List<long[]> ids(byte[] tokenizerJson, int maxLength, List<String> texts) {
        try (HuggingFaceTokenizer tokenizer = tokenizer(tokenizerJson, maxLength)) {
            return texts.stream().map(text -> tokenizer.encode(text).getIds()).toList();
        }
    }

    /** The ids the graph is given for {@code text}: special tokens included, truncated as served. */
    public long[] ids(String text) {
        return tokenizer.encode(text).getIds();
    }

    /** Probabilities of every text, {@code [texts][classes]}, in batches. */
    public float[][] probabilities(List<String> texts, int batchSize) {
        float[][] result = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += batchSize) {
            float[][] batch = run(texts.subList(start, Math.min(texts.size(), start + batchSize))).probabilities();
            System.arraycopy(batch, 0, result, start, batch.length);
        }
        return result;
    }

    /** Probabilities and embeddings of every text, in batches. */
    public Output runAll(List<String> texts, int batchSize) {
        float[][] probabilities = new float[texts.size()][];
        float[][] embeddings = new float[texts.size()][];
        int tokens = 0;
        for (int start = 0; start < texts.size(); start += batchSize) {
            Output batch = run(texts.subList(start, Math.min(texts.size(), start + batchSize)));
            System.arraycopy(batch.probabilities(), 0, probabilities, start, batch.probabilities().length);
            System.arraycopy(batch.embeddings(), 0, embeddings, start, batch.embeddings().length);
            tokens += batch.tokens();
        }
        return new Output(probabilities, embeddings, tokens);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            tokenizer.close();
        }
    }
}
