package dev.bonsai.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What validation found in an uploaded dataset. {@code errors} block the dataset (it is rejected);
 * {@code warnings} do not. Stats and splits describe the rows that were read.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetReport(String status, List<Finding> errors, List<Finding> warnings, Stats stats, Splits splits) {

    /** Counts over the rows read. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stats(long rows, int classes, List<LabelCount> labels, LengthStats characters, LengthStats tokens,
            List<Truncation> truncation, Duplicates duplicates) {
    }

    /** One label's rows, overall and per split (split counts are absent for a rejected dataset). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LabelCount(String label, long count, Long train, Long validation, Long test) {
    }

    /**
     * Text lengths: {@code histogram} buckets count texts with {@code from <= length < to}.
     * {@code tokenizer} names the base model whose tokenizer counted tokens (special tokens included).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LengthStats(String unit, String tokenizer, long min, long max, double mean, List<Bucket> histogram) {
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
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Splits(String method, Long seed, Double validationFraction, Double testFraction, long train,
            long validation, long test) {
    }
}
