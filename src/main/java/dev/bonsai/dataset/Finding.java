package dev.bonsai.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One kind of problem found in a dataset, aggregated over the rows it affects: {@code line} is the
 * first affected line (1-based, as an editor shows it), {@code count} how many rows or labels, and
 * {@code examples} a few of them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Finding(String code, Severity severity, String message, Integer line, Long count, List<String> examples) {

    public enum Severity {
        error, warning
    }
}
