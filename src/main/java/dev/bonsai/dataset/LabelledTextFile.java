package dev.bonsai.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

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

    /** A seeded sample of about {@code size} rows with the labels in the proportions of {@code rows}. */
    public static List<LabelledText> stratifiedSample(List<LabelledText> rows, int size, long seed) {
        List<LabelledText> sample = new ArrayList<>();
        byLabel(rows, seed).values().forEach(group ->
                sample.addAll(group.subList(0, (int) Math.round(group.size() * (double) size / rows.size()))));
        Collections.shuffle(sample, new Random(seed));
        return sample;
    }

    /** {@code [kept, heldOut]}: a seeded, per-label split holding out the fraction {@code heldOut}. */
    public static List<List<LabelledText>> stratifiedSplit(List<LabelledText> rows, double heldOut, long seed) {
        List<LabelledText> kept = new ArrayList<>();
        List<LabelledText> held = new ArrayList<>();
        byLabel(rows, seed).values().forEach(group -> {
            int cut = (int) Math.round(group.size() * heldOut);
            held.addAll(group.subList(0, cut));
            kept.addAll(group.subList(cut, group.size()));
        });
        return List.of(kept, held);
    }

    private static Map<String, List<LabelledText>> byLabel(List<LabelledText> rows, long seed) {
        Map<String, List<LabelledText>> groups = new LinkedHashMap<>();
        rows.forEach(row -> groups.computeIfAbsent(row.label(), key -> new ArrayList<>()).add(row));
        Random random = new Random(seed);
        groups.values().forEach(group -> Collections.shuffle(group, random));
        return groups;
    }
}
