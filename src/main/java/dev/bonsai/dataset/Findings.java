package dev.bonsai.dataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects findings by code with bounded memory: a count, the first line and a few examples each. */
final class Findings {

    static final int MAX_EXAMPLES = 5;
    private static final int MAX_EXAMPLE_CHARS = 200;

    private static final class Entry {
        final Finding.Severity severity;
        String message;
        Integer line;
        long count;
        final List<String> examples = new ArrayList<>();

        Entry(Finding.Severity severity, String message) {
            this.severity = severity;
            this.message = message;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Records one occurrence; the first occurrence's message describes the finding. */
    void error(String code, String message, Integer line, String example) {
        add(code, Finding.Severity.error, message, line, example, 1);
    }

    void warning(String code, String message, Integer line, String example, long count) {
        add(code, Finding.Severity.warning, message, line, example, count);
    }

    void warning(String code, String message, Integer line, List<String> examples, long count) {
        Entry entry = add(code, Finding.Severity.warning, message, line, null, count);
        for (String example : examples) {
            if (entry.examples.size() < MAX_EXAMPLES) {
                entry.examples.add(shorten(example));
            }
        }
    }

    private Entry add(String code, Finding.Severity severity, String message, Integer line, String example, long count) {
        Entry entry = entries.computeIfAbsent(code, key -> new Entry(severity, message));
        entry.count += count;
        if (entry.line == null && line != null) {
            entry.line = line;
        }
        if (example != null && entry.examples.size() < MAX_EXAMPLES) {
            entry.examples.add(shorten(example));
        }
        return entry;
    }

    boolean hasErrors() {
        return entries.values().stream().anyMatch(entry -> entry.severity == Finding.Severity.error);
    }

    List<Finding> list(Finding.Severity severity) {
        List<Finding> result = new ArrayList<>();
        entries.forEach((code, entry) -> {
            if (entry.severity == severity) {
                result.add(new Finding(code, severity, entry.message, entry.line, entry.count, List.copyOf(entry.examples)));
            }
        });
        return result;
    }

    static String shorten(String text) {
        String flat = text.replace('\n', ' ').replace('\r', ' ');
        return flat.length() <= MAX_EXAMPLE_CHARS ? flat : flat.substring(0, MAX_EXAMPLE_CHARS) + "…";
    }
}
