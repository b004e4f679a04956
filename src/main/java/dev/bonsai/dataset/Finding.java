package dev.bonsai.dataset;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One kind of problem found in a dataset, aggregated over the rows it affects: {@code line} is the
 * first affected line (1-based, as an editor shows it), {@code count} how many rows or labels, and
 * {@code examples} a few of them.
 */
public record Finding(String code, Severity severity, String message, @Schema(nullable = true) Integer line,
        @Schema(nullable = true) Long count, @Schema(nullable = true) List<String> examples) {

    public enum Severity {
        error, warning
    }
}
