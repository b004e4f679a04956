package dev.bonsai.engine.train;

/**
 * A linear classifier over sentence embeddings: {@code softmax(embedding · weights + bias)}.
 * {@code weights} is {@code [dimensions][classes]}, as the exported ONNX MatMul expects.
 */
public record SoftmaxHead(float[][] weights, float[] bias) {

    public int classes() {
        return bias.length;
    }

    public int dimensions() {
        return weights.length;
    }

    /** Class probabilities of each embedding, {@code [n][classes]}, each row summing to 1. */
    public float[][] probabilities(float[][] embeddings) {
        float[][] result = new float[embeddings.length][];
        for (int i = 0; i < embeddings.length; i++) {
            result[i] = softmax(logits(embeddings[i]));
        }
        return result;
    }

    float[] logits(float[] embedding) {
        int classes = bias.length;
        float[] logits = bias.clone();
        for (int d = 0; d < embedding.length; d++) {
            float value = embedding[d];
            float[] row = weights[d];
            for (int c = 0; c < classes; c++) {
                logits[c] += value * row[c];
            }
        }
        return logits;
    }

    static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        float sum = 0;
        float[] result = new float[logits.length];
        for (int c = 0; c < logits.length; c++) {
            result[c] = (float) Math.exp(logits[c] - max);
            sum += result[c];
        }
        for (int c = 0; c < logits.length; c++) {
            result[c] /= sum;
        }
        return result;
    }

    private static final int MAGIC = 0x42484431; // "BHD1"

    /**
     * The head as bytes: a magic number, dimensions and classes (int32), then the weights row by
     * row and the bias (float32), all little-endian. A few KB, read back by {@link #fromBytes}.
     */
    public byte[] toBytes() {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(12 + 4 * (dimensions() * classes() + classes()))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC).putInt(dimensions()).putInt(classes());
        for (float[] row : weights) {
            buffer.asFloatBuffer().put(row);
            buffer.position(buffer.position() + 4 * row.length);
        }
        buffer.asFloatBuffer().put(bias);
        return buffer.array();
    }

    /** A head written by {@link #toBytes}. */
    public static SoftmaxHead fromBytes(byte[] bytes) {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || buffer.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a classifier head");
        }
        int dimensions = buffer.getInt();
        int classes = buffer.getInt();
        if (dimensions <= 0 || classes <= 0 || bytes.length != 12 + 4L * (dimensions * (long) classes + classes)) {
            throw new IllegalArgumentException("a classifier head of " + bytes.length + " bytes cannot hold " + dimensions
                    + " × " + classes + " weights");
        }
        float[][] weights = new float[dimensions][classes];
        for (float[] row : weights) {
            buffer.asFloatBuffer().get(row);
            buffer.position(buffer.position() + 4 * classes);
        }
        float[] bias = new float[classes];
        buffer.asFloatBuffer().get(bias);
        return new SoftmaxHead(weights, bias);
    }

    /** Index of the largest value of each row. */
    public static int[] argmax(float[][] rows) {
        int[] result = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int best = 0;
            for (int c = 1; c < rows[i].length; c++) {
                if (rows[i][c] > rows[i][best]) {
                    best = c;
                }
            }
            result[i] = best;
        }
        return result;
    }
}
