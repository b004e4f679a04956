package dev.bonsai.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exported classifier graph with its tokenizer, ready to run: what compression evaluates and
 * what a bundle's consumer would run. Owns an ONNX Runtime session and a native tokenizer; close
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
    private final boolean needsTokenTypes;

    private ClassifierRunner(OrtSession session, HuggingFaceTokenizer tokenizer) {
        this.session = session;
        this.tokenizer = tokenizer;
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
        try {
            OrtSession session = OrtEnvironment.getEnvironment().createSession(graph,
                    Encoder.sessionOptions(new Encoder.Options(intraOpThreads, 32, maxLength)));
            return new ClassifierRunner(session, tokenizer);
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            throw new IllegalStateException("could not open the classifier graph", e);
        }
    }

    /** Runs one batch. */
    public Output run(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int rows = encodings.length;
        int columns = encodings[0].getIds().length;
        LongBuffer ids = LongBuffer.allocate(rows * columns);
        LongBuffer mask = LongBuffer.allocate(rows * columns);
        LongBuffer types = LongBuffer.allocate(rows * columns);
        int tokens = 0;
        for (Encoding encoding : encodings) {
            ids.put(encoding.getIds());
            mask.put(encoding.getAttentionMask());
            types.put(encoding.getTypeIds());
            for (long value : encoding.getAttentionMask()) {
                tokens += (int) value;
            }
        }
        ids.flip();
        mask.flip();
        types.flip();
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        long[] shape = {rows, columns};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(environment, ids, shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, mask, shape));
            if (needsTokenTypes) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(environment, types, shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return new Output((float[][]) result.get(ClassifierExport.PROBABILITIES).orElseThrow().getValue(),
                        (float[][]) result.get(ClassifierExport.EMBEDDING).orElseThrow().getValue(), tokens);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
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
