package dev.bonsai.dataset;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One row of a dataset: {@code index} counts data rows from 0, {@code line} is the file's line. A
 * labelled row has a text and a label; a pair's {@code text} is its anchor, with its positive and
 * optional negative, and no label. {@code tokens} counts the text's (the anchor's) tokens.
 */
public record DatasetRow(long index, int line, String text,
        @Schema(nullable = true, description = "Null for a pair") String label,
        @Schema(nullable = true, description = "A pair's positive; null for a labelled row") String positive,
        @Schema(nullable = true, description = "A pair's hard negative, when it has one") String negative,
        @Schema(nullable = true) String split, int tokens) {
}
