package dev.bonsai.dataset;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What validation found in an uploaded dataset. {@code errors} block the dataset (it is rejected);
 * {@code warnings} do not. Stats and splits describe the rows that were read.
 */
public record DatasetReport(@Schema(implementation = Dataset.Status.class) String status, List<Finding> errors,
        List<Finding> warnings, @Schema(nullable = true) Stats stats, @Schema(nullable = true) Splits splits) {

    /**
     * Counts over the rows read. A pair dataset (task {@code embedding}) has no classes or labels; its
     * {@code pairs} say what it holds, and its lengths count anchors, positives and negatives alike.
     */
    public record Stats(long rows, int classes, List<LabelCount> labels, LengthStats characters, LengthStats tokens,
            List<Truncation> truncation, Duplicates duplicates,
            @Schema(nullable = true) Pairs pairs) {
    }

    /**
     * What a pair dataset holds: {@code pairs} rows over {@code anchors} distinct anchors and
     * {@code positives} distinct positives, {@code withNegative} of them with a hard negative,
     * {@code duplicatePairs} repeating an earlier (anchor, positive), and the anchors and positives
     * found in more than one split ({@code leakedAnchors}, {@code leakedPositives}), which inflate test
     * scores. Counts per split are absent for a rejected dataset.
     */
    public record Pairs(long pairs, long anchors, long positives, long withNegative, long duplicatePairs,
            @Schema(nullable = true) Long leakedAnchors, @Schema(nullable = true) Long leakedPositives) {
    }

    /** One label's rows, overall and per split (split counts are absent for a rejected dataset). */
    public record LabelCount(String label, long count, @Schema(nullable = true) Long train,
            @Schema(nullable = true) Long validation, @Schema(nullable = true) Long test) {
    }

    /**
     * Text lengths: {@code histogram} buckets count texts with {@code from <= length < to}.
     * {@code tokenizer} names the base model whose tokenizer counted tokens (special tokens included).
     */
    public record LengthStats(String unit, @Schema(nullable = true) String tokenizer, long min, long max, double mean,
            List<Bucket> histogram) {
    }

    public record Bucket(long from, long to, long count) {
    }

    /** Rows longer than a base model's maximum sequence length, which it would truncate. */
    public record Truncation(String baseModel, int maxSequenceLength, long rows, double share) {
    }

    /** Rows whose text (whitespace-normalised) already occurred earlier in the file. */
    public record Duplicates(long duplicateRows, long distinctTexts) {
    }

    /**
     * How rows were split: {@code stratified} (seeded, per class), {@code anchor} (seeded, by distinct
     * anchor, so that every pair of one anchor is in one split) or by the named {@code column}.
     */
    public record Splits(String method, @Schema(nullable = true) Long seed, @Schema(nullable = true) Double validationFraction,
            @Schema(nullable = true) Double testFraction, long train,
            long validation, long test) {
    }
}
