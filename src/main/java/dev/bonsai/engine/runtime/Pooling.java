package dev.bonsai.engine.runtime;

import dev.bonsai.engine.BaseModel;

/** Token embeddings to one L2-normalised sentence embedding, as the base models were trained. */
public final class Pooling {

    /** Guards the division for an all-padding row or a zero vector. */
    public static final float EPSILON = 1e-9f;

    private Pooling() {
    }

    /**
     * @param hidden {@code [batch, seq, dim]} token embeddings
     * @param mask {@code [batch, seq]}, 1 for real tokens and 0 for padding
     * @return {@code [batch, dim]}, each row of unit length
     */
    static float[][] pool(float[][][] hidden, long[][] mask, BaseModel.Pooling pooling) {
        float[][] pooled = new float[hidden.length][];
        for (int b = 0; b < hidden.length; b++) {
            pooled[b] = pooling == BaseModel.Pooling.CLS ? hidden[b][0].clone() : mean(hidden[b], mask[b]);
            normalise(pooled[b]);
        }
        return pooled;
    }

    private static float[] mean(float[][] tokens, long[] mask) {
        int dimensions = tokens[0].length;
        float[] sum = new float[dimensions];
        float count = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[t] != 0) {
                count++;
                for (int d = 0; d < dimensions; d++) {
                    sum[d] += tokens[t][d];
                }
            }
        }
        float divisor = Math.max(count, EPSILON);
        for (int d = 0; d < dimensions; d++) {
            sum[d] /= divisor;
        }
        return sum;
    }

    static void normalise(float[] vector) {
        double squares = 0;
        for (float value : vector) {
            squares += value * value;
        }
        float norm = (float) Math.max(Math.sqrt(squares), EPSILON);
        for (int d = 0; d < vector.length; d++) {
            vector[d] /= norm;
        }
    }
}
