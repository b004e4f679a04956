package dev.bonsai.dataset;

import java.util.Locale;
import java.util.Optional;

/** The text formats a dataset can be uploaded in. */
public enum DatasetFormat {
    CSV, TSV, JSONL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The format named by a media type such as {@code text/csv; charset=utf-8}. */
    public static Optional<DatasetFormat> fromMediaType(String mediaType) {
        if (mediaType == null) {
            return Optional.empty();
        }
        String type = mediaType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "text/csv", "application/csv" -> Optional.of(CSV);
            case "text/tab-separated-values", "text/tsv" -> Optional.of(TSV);
            case "application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/jsonlines" ->
                Optional.of(JSONL);
            default -> Optional.empty();
        };
    }

    /** The format named by a file name's extension or by a {@code format} parameter value. */
    public static Optional<DatasetFormat> fromName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String lower = name.strip().toLowerCase(Locale.ROOT);
        String extension = lower.contains(".") ? lower.substring(lower.lastIndexOf('.') + 1) : lower;
        return switch (extension) {
            case "csv" -> Optional.of(CSV);
            case "tsv", "tab" -> Optional.of(TSV);
            case "jsonl", "ndjson" -> Optional.of(JSONL);
            default -> Optional.empty();
        };
    }
}
