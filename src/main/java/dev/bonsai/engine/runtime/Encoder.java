package dev.bonsai.engine.runtime;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.text.LengthBuckets;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from a base model: its tokenizer (truncating to the maximum length, each
 * text padded by its own length, see {@link LengthBuckets}), its ONNX graph in ONNX Runtime, then pooling as the model
 * expects and L2 normalisation. Owns a native session and tokenizer: close it.
 */
public final class Encoder implements AutoCloseable {

    /** How to run the encoder. */
    public record Options(int intraOpThreads, int batchSize, int maxSequenceLength) {

        /** One thread, batches of 32, the model's own maximum length. */
        public static Options defaults(BaseModel model) {
            return new Options(1, 32, model.maxSequenceLength());
        }
    }

    private final BaseModel model;
    private final Options options;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long padId;
    private final boolean needsTokenTypes;

    private Encoder(BaseModel model, Options options, OrtSession session, HuggingFaceTokenizer tokenizer, int maxLength) {
        this.model = model;
        this.options = options;
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = LengthBuckets.padId(tokenizer);
        this.needsTokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /** Opens the base model's own graph from the classpath. */
    public static Encoder open(BaseModel model, Options options) {
        byte[] graph;
        try {
            graph = model.readGraph();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + model.onnxResource(), e);
        }
        return open(model, graph, options);
    }

    /**
     * Opens an encoder graph with the base model's inputs and {@code last_hidden_state} output
     * (the base model itself, or a fine-tuned copy of it).
     */
    public static Encoder open(BaseModel model, byte[] onnxGraph, Options options) {
        HuggingFaceTokenizer tokenizer = null;
        OrtSession session = null;
        int maxLength = Math.min(options.maxSequenceLength(), model.maxSequenceLength());
        try (InputStream json = TextTokenizer.resource(model.tokenizerResource())) {
            tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true", "padding", "true",
                    "maxLength", Integer.toString(maxLength), "addSpecialTokens", "true"));
            session = createSession(onnxGraph, options);
            return new Encoder(model, options, session, tokenizer, maxLength);
        } catch (IOException | OrtException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            closeAfterFailure(session, e);
            throw new IllegalStateException("could not open the encoder of " + model.id(), e);
        }
    }

    /** A session for {@code graph}; its options are copied into it when it is made, so they are closed here. */
    static OrtSession createSession(byte[] graph, Options options) throws OrtException {
        try (OrtSession.SessionOptions sessionOptions = sessionOptions(options)) {
            return OrtEnvironment.getEnvironment().createSession(graph, sessionOptions);
        }
    }

    /** Closes a session made before a later step of opening failed, keeping the first failure. */
    static void closeAfterFailure(OrtSession session, Exception failure) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException closing) {
                failure.addSuppressed(closing);
            }
        }
    }

    public static OrtSession.SessionOptions sessionOptions(Options options) throws OrtException {
        OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
        sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
        sessionOptions.setInterOpNumThreads(1);
        sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return sessionOptions;
    }

    public BaseModel model() {
        return model;
    }

    /** Width of the embeddings. */
    public int dimensions() {
        return model.dimensions();
    }

    /**
     * L2-normalised sentence embeddings, {@code [texts.size()][dimensions]}, computed in batches of
     * {@code options.batchSize()}.
     */
    public float[][] embed(List<String> texts) {
        return embed(texts, null);
    }

    /** As {@link #embed(List)}; {@code tokens}, when given, receives each text's real-token count. */
    public float[][] embed(List<String> texts, int[] tokens) {
        float[][] result = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += options.batchSize()) {
            List<String> batch = texts.subList(start, Math.min(texts.size(), start + options.batchSize()));
            Encoding[] encodings = tokenizer.batchEncode(batch);
            // Padded by each row's own length, so a text's embedding does not depend on its batch.
            for (LengthBuckets.Group group : LengthBuckets.group(encodings, maxLength, padId)) {
                Tokens groupTokens = new Tokens(group.ids(), group.attentionMask(), group.typeIds());
                float[][] embeddings = Pooling.pool(run(groupTokens), group.attentionMask(), model.pooling());
                for (int i = 0; i < group.rows().length; i++) {
                    result[start + group.rows()[i]] = embeddings[i];
                }
            }
            if (tokens != null) {
                for (int i = 0; i < encodings.length; i++) {
                    tokens[start + i] = LengthBuckets.realTokens(encodings[i]);
                }
            }
        }
        return result;
    }

    /** Token ids, attention mask and token types of a batch, each {@code [batch, seq]}. */
    public record Tokens(long[][] ids, long[][] attentionMask, long[][] typeIds) {
    }

    /** Tokenizes as the encoder does: truncated to the maximum length, padded to the longest. */
    public Tokens tokenize(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        long[][] ids = new long[encodings.length][];
        long[][] mask = new long[encodings.length][];
        long[][] types = new long[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            ids[i] = encodings[i].getIds();
            mask[i] = encodings[i].getAttentionMask();
            types[i] = encodings[i].getTypeIds();
        }
        return new Tokens(ids, mask, types);
    }

    /** The graph's {@code last_hidden_state}, {@code [batch, seq, dimensions]}. */
    float[][][] run(Tokens tokens) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", tensor(environment, tokens.ids()));
            inputs.put("attention_mask", tensor(environment, tokens.attentionMask()));
            if (needsTokenTypes) {
                inputs.put("token_type_ids", tensor(environment, tokens.typeIds()));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return (float[][][]) result.get(0).getValue();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    public static OnnxTensor tensor(OrtEnvironment environment, long[][] values) throws OrtException {
        int rows = values.length;
        int columns = rows == 0 ? 0 : values[0].length;
        LongBuffer buffer = LongBuffer.allocate(rows * columns);
        for (long[] row : values) {
            buffer.put(row);
        }
        buffer.flip();
        return OnnxTensor.createTensor(environment, buffer, new long[] {rows, columns});
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
