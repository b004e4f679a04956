package dev.bonsai.dataset;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What validation found in an uploaded dataset. {@code errors} block the dataset (it is rejected);
 * {@code warnings} do not. Stats and splits describe the rows that were read.
 */
public record DatasetReport(@Schema(implementation = Dataset.Status.class) String status, List<Finding> errors,
        List<Finding> warnings, @Schema(nullable = true) Stats stats, @Schema(nullable = true) Splits splits) {

    /** Counts over the rows read. */
    public record Stats(long rows, int classes, List<LabelCount> labels, LengthStats characters, LengthStats tokens,
            List<Truncation> truncation, Duplicates duplicates) {
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

    /** How rows were split: {@code stratified} (seeded, per class) or by the named {@code column}. */
    public record Splits(String method, @Schema(nullable = true) Long seed, @Schema(nullable = true) Double validationFraction,
            @Schema(nullable = true) Double testFraction, long train,
            long validation, long test) {
    }
}
