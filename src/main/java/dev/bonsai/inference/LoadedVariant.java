package dev.bonsai.inference;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One variant ready to answer: its ONNX Runtime session and its base model's tokenizer. Owned by
 * {@link SessionCache}: it is closed when evicted, but only once no request holds it any more.
 */
final class LoadedVariant {

    /** Outputs of one batch. */
    record Output(float[][] probabilities, float[][] embeddings, int tokens) {
    }

    final String variantId;
    final List<String> labels;
    final long bytes;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final AtomicInteger holders = new AtomicInteger(1);
    private volatile boolean evicted;

    LoadedVariant(String variantId, List<String> labels, long bytes, OrtSession session, HuggingFaceTokenizer tokenizer) {
        this.variantId = variantId;
        this.labels = labels;
        this.bytes = bytes;
        this.session = session;
        this.tokenizer = tokenizer;
    }

    /** Takes a hold for one request; false when it is already being closed. */
    boolean acquire() {
        while (true) {
            int current = holders.get();
            if (current == 0) {
                return false;
            }
            if (holders.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (holders.decrementAndGet() == 0) {
            close();
        }
    }

    /** Called once by the cache; the native resources go when the last request releases them. */
    void evict() {
        if (!evicted) {
            evicted = true;
            release();
        }
    }

    boolean isClosed() {
        return holders.get() == 0;
    }

    Output run(List<String> texts) throws OrtException {
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
            inputs.put("token_type_ids", OnnxTensor.createTensor(environment, types, shape));
            try (OrtSession.Result result = session.run(inputs)) {
                return new Output((float[][]) result.get("probabilities").orElseThrow().getValue(),
                        (float[][]) result.get("embedding").orElseThrow().getValue(), tokens);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing releases native memory; a failure leaves nothing to retry
        } finally {
            tokenizer.close();
        }
    }
}
