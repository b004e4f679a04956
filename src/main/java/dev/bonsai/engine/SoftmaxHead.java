package dev.bonsai.engine;

/**
 * A linear classifier over sentence embeddings: {@code softmax(embedding · weights + bias)}.
 * {@code weights} is {@code [dimensions][classes]}, as the exported ONNX MatMul expects.
 */
public record SoftmaxHead(float[][] weights, float[] bias) implements java.io.Serializable {

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
