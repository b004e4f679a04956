package dev.bonsai.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a labelled text file with the same strict parser as uploads, for tools and benchmarks that
 * work on files rather than stored datasets.
 */
public final class LabelledTextFile {

    /** One row of a file. */
    public record LabelledText(String text, String label) {
    }

    /** Longest text read, in characters. */
    private static final int MAX_TEXT_LENGTH = 1_000_000;

    private LabelledTextFile() {
    }

    /**
     * All rows of {@code file} (format from its extension, columns {@code text} and {@code label}).
     *
     * @throws IllegalArgumentException when the file has a blocking problem, naming it and its line
     */
    public static List<LabelledText> read(Path file) throws IOException {
        DatasetFormat format = DatasetFormat.fromName(file.getFileName().toString())
                .orElseThrow(() -> new IllegalArgumentException("unknown format: " + file));
        Findings findings = new Findings();
        List<LabelledText> rows = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file);
                RowReader reader = RowReader.open(format, new CharSource(in), new RowReader.Columns("text", "label", null),
                        MAX_TEXT_LENGTH, findings)) {
            RowReader.RawRow row;
            while ((row = reader.next()) != null) {
                rows.add(new LabelledText(row.text(), row.label()));
            }
        }
        if (findings.hasErrors()) {
            Finding first = findings.list(Finding.Severity.error).get(0);
            throw new IllegalArgumentException(file + ": " + first.message() + " (line " + first.line() + ")");
        }
        return rows;
    }
}
