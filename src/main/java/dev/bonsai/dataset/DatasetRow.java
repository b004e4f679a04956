package dev.bonsai.dataset;

/** One row of a dataset: {@code index} counts data rows from 0, {@code line} is the file's line. */
public record DatasetRow(long index, int line, String text, String label, String split, int tokens) {
}
