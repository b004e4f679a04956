package dev.bonsai.engine.train;

import java.util.Arrays;

/** Small array helpers shared by the trainers and the exporter. */
public final class Matrices {

    private Matrices() {
    }

    /** Row-major copy of a rectangular matrix. */
    public static float[] flatten(float[][] matrix) {
        int columns = matrix[0].length;
        float[] flat = new float[matrix.length * columns];
        for (int row = 0; row < matrix.length; row++) {
            System.arraycopy(matrix[row], 0, flat, row * columns, columns);
        }
        return flat;
    }

    /** The inverse of {@link #flatten}. */
    public static float[][] unflatten(float[] flat, int rows) {
        int columns = flat.length / rows;
        float[][] matrix = new float[rows][];
        for (int row = 0; row < rows; row++) {
            matrix[row] = Arrays.copyOfRange(flat, row * columns, (row + 1) * columns);
        }
        return matrix;
    }
}
