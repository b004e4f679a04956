package dev.bonsai.dataset;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One row of a dataset: {@code index} counts data rows from 0, {@code line} is the file's line. */
public record DatasetRow(long index, int line, String text, String label,
        @Schema(nullable = true) String split, int tokens) {
}
