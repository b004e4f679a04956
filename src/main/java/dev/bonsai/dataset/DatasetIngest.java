package dev.bonsai.dataset;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Reads an uploaded file once, streaming: validates every row, counts tokens with the real
 * tokenizer, and COPYs the rows into a temporary table of the caller's connection and transaction
 * ({@code upload_rows}, dropped at commit). Then assigns splits and finds duplicates, conflicts and
 * leakage in SQL, so memory stays flat however large the file, and moves an accepted file's rows
 * into {@code dataset_rows} with one INSERT. Working on a table that holds this upload's rows only
 * keeps every query's cost to the upload's own size: on {@code dataset_rows} the planner, with
 * statistics that did not know the new rows, chose a nested loop for the split's self-join and
 * uploads grew quadratic once other tenants had stored data. The caller commits when the report has
 * no errors and rolls back otherwise.
 */
final class DatasetIngest {

    /** What the ingest needs to know besides the file. */
    record Settings(DatasetFormat format, RowReader.Columns columns, int maxTextLength, int maxClasses,
            double validationFraction, double testFraction, long splitSeed) {
    }

    record Result(DatasetReport report, long rows) {
        boolean accepted() {
            return report.errors().isEmpty();
        }
    }

    /** Rows are tokenized and copied in batches of at most this many characters. */
    private static final int BATCH_CHARACTERS = 256 * 1024;
    private static final int BATCH_ROWS = 1024;
    /** More than this share of CJK characters in the first batch selects the Chinese tokenizer. */
    private static final double CJK_SHARE_FOR_CHINESE = 0.3;
    /** A class this many times larger than the smallest one is reported as imbalance. */
    private static final double IMBALANCE_RATIO = 10.0;

    private final Connection connection;
    private final String datasetId;
    private final Settings settings;
    private final Function<BaseModel, TextTokenizer> tokenizers;
    private final Findings findings = new Findings();
    private final Map<String, Long> labelCounts = new LinkedHashMap<>();
    private final LengthHistogram characters = new LengthHistogram();
    private final LengthHistogram tokens = new LengthHistogram();
    private final Map<BaseModel, Long> truncated = new LinkedHashMap<>();
    private final List<RowReader.RawRow> batch = new ArrayList<>();
    private final ByteArrayOutputStream copyBuffer = new ByteArrayOutputStream(1 << 20);
    private final MessageDigest textDigest;
    private BaseModel tokenizerModel;
    private TextTokenizer tokenizer;
    private CopyIn copy;
    private int batchCharacters;
    private long rows;
    private DatasetReport.Duplicates duplicates;

    DatasetIngest(Connection connection, String datasetId, Settings settings, Function<BaseModel, TextTokenizer> tokenizers) {
        this.connection = connection;
        this.datasetId = datasetId;
        this.settings = settings;
        this.tokenizers = tokenizers;
        try {
            this.textDigest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Result run(InputStream file) throws IOException, SQLException {
        try (RowReader reader = RowReader.open(settings.format(), new CharSource(file), settings.columns(),
                settings.maxTextLength(), findings)) {
            RowReader.RawRow row;
            while ((row = reader.next()) != null) {
                accept(row);
            }
        } catch (CharSource.NotUtf8Exception e) {
            findings.error("not_utf8", "The file is not UTF-8 text. Save it as UTF-8 and upload it again.", e.line,
                    "line " + e.line);
        }
        flush();
        if (copy != null) {
            copy.endCopy();
        }
        checkClasses();
        if (findings.hasErrors()) {
            DatasetReport.Stats stats = stats(null);
            return new Result(new DatasetReport("rejected", findings.list(Finding.Severity.error),
                    findings.list(Finding.Severity.warning), stats, null), rows);
        }
        try (Statement statement = connection.createStatement()) {
            // The temporary table's own statistics, so that the queries below are planned for its size.
            statement.execute("analyze upload_rows");
        }
        DatasetReport.Splits splits = assignSplits();
        Map<String, long[]> perSplit = countPerSplit();
        findDuplicatesAndConflicts();
        findLeakage();
        findImbalance();
        findSmallValidation(splits, perSplit);
        DatasetReport.Stats stats = stats(perSplit);
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate("insert into dataset_rows select * from upload_rows");
        }
        return new Result(new DatasetReport("ready", List.of(), findings.list(Finding.Severity.warning), stats, splits), rows);
    }

    private void accept(RowReader.RawRow row) throws SQLException {
        String text = row.text();
        String label = row.label();
        if (row.textTooLong()) {
            findings.error("text_too_long", "Some texts are longer than " + settings.maxTextLength() + " characters.",
                    row.line(), "line " + row.line());
            return;
        }
        if (text.isBlank()) {
            findings.error("empty_text", "Some rows have an empty text.", row.line(), "line " + row.line());
            return;
        }
        if (label.isEmpty()) {
            findings.error("empty_label", "Some rows have no label.", row.line(), "line " + row.line());
            return;
        }
        if (text.indexOf('\0') >= 0 || label.indexOf('\0') >= 0) {
            findings.error("nul_character", "Some rows contain a NUL character, which is not text.", row.line(),
                    "line " + row.line());
            return;
        }
        if (row.split() != null && Split.parse(row.split()).isEmpty()) {
            findings.error("invalid_split", "Split values must be train, validation or test.", row.line(),
                    "line " + row.line() + ": '" + row.split() + "'");
            return;
        }
        Long count = labelCounts.get(label);
        if (count == null && labelCounts.size() >= settings.maxClasses()) {
            findings.error("too_many_classes", "The dataset has more than " + settings.maxClasses()
                    + " distinct labels; is the label column right?", row.line(), "line " + row.line() + ": '" + label + "'");
            return;
        }
        labelCounts.put(label, count == null ? 1 : count + 1);
        characters.add(text.codePointCount(0, text.length()));
        batch.add(row);
        batchCharacters += text.length();
        if (batch.size() >= BATCH_ROWS || batchCharacters >= BATCH_CHARACTERS) {
            flush();
        }
    }

    private void flush() throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        List<String> texts = batch.stream().map(RowReader.RawRow::text).toList();
        if (tokenizer == null) {
            tokenizerModel = chooseTokenizer(texts);
            tokenizer = tokenizers.apply(tokenizerModel);
        }
        int[] tokenCounts = tokenizer.countTokens(texts);
        if (!findings.hasErrors()) {
            if (copy == null) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("create temporary table upload_rows (like dataset_rows including defaults) on commit drop");
                }
                copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                        "COPY upload_rows (dataset_id, row_index, line, text, label, split, text_hash, char_count, token_count)"
                                + " FROM STDIN (FORMAT text)");
            }
            copyBuffer.reset();
        }
        for (int i = 0; i < batch.size(); i++) {
            RowReader.RawRow row = batch.get(i);
            tokens.add(tokenCounts[i]);
            for (BaseModel model : BaseModel.values()) {
                if (sameTokenizerFamily(model) && tokenCounts[i] > model.maxSequenceLength()) {
                    truncated.merge(model, 1L, Long::sum);
                }
            }
            if (!findings.hasErrors()) {
                writeCopyLine(row, tokenCounts[i]);
            }
            rows++;
        }
        if (!findings.hasErrors()) {
            byte[] bytes = copyBuffer.toByteArray();
            copy.writeToCopy(bytes, 0, bytes.length);
        }
        batch.clear();
        batchCharacters = 0;
    }

    private void writeCopyLine(RowReader.RawRow row, int tokenCount) {
        StringBuilder line = new StringBuilder(row.text().length() + row.label().length() + 128);
        line.append(datasetId).append('\t').append(rows).append('\t').append(row.line()).append('\t');
        escape(line, row.text());
        line.append('\t');
        escape(line, row.label());
        line.append('\t').append(row.split() == null ? 0 : Split.parse(row.split()).orElseThrow().code());
        line.append("\t\\\\x").append(HexFormat.of().formatHex(textHash(row.text())));
        line.append('\t').append(row.text().codePointCount(0, row.text().length()));
        line.append('\t').append(tokenCount).append('\n');
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        copyBuffer.write(bytes, 0, bytes.length);
    }

    /** COPY text format: backslash, tab, newline and carriage return are escaped. */
    static void escape(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    /** Identity of a text for duplicate detection: whitespace runs folded, case kept. */
    private byte[] textHash(String text) {
        return textHash(textDigest, text);
    }

    static byte[] textHash(MessageDigest textDigest, String text) {
        String normalised = text.strip().replaceAll("\\s+", " ");
        byte[] digest = textDigest.digest(normalised.getBytes(StandardCharsets.UTF_8));
        byte[] shortened = new byte[16];
        System.arraycopy(digest, 0, shortened, 0, shortened.length);
        return shortened;
    }

    static BaseModel chooseTokenizer(List<String> sample) {
        long cjk = 0;
        long letters = 0;
        for (String text : sample) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isLetter(c)) {
                    letters++;
                    if (Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN) {
                        cjk++;
                    }
                }
            }
        }
        return letters > 0 && cjk > letters * CJK_SHARE_FOR_CHINESE ? BaseModel.BGE_SMALL_ZH_V15 : BaseModel.ALL_MINILM_L6_V2;
    }

    /** Models that share the chosen tokenizer's vocabulary, so its counts apply to them. */
    private boolean sameTokenizerFamily(BaseModel model) {
        return model.language().equals(tokenizerModel.language());
    }

    private void checkClasses() {
        if (findings.hasErrors()) {
            return;
        }
        if (rows == 0) {
            findings.error("no_rows", "The file has no data rows.", null, null);
            return;
        }
        if (labelCounts.size() < 2) {
            findings.error("too_few_classes", "A classifier needs at least 2 distinct labels; this file has "
                    + labelCounts.size() + ".", null, labelCounts.keySet().stream().findFirst().orElse(null));
        }
        labelCounts.forEach((label, count) -> {
            if (count < 2) {
                findings.error("class_too_small", "Every label needs at least 2 examples.", null,
                        "'" + label + "': " + count + " example");
            }
        });
        Map<String, List<String>> byNormalised = new TreeMap<>();
        labelCounts.keySet().forEach(label -> byNormalised
                .computeIfAbsent(label.strip().toLowerCase(Locale.ROOT), key -> new ArrayList<>()).add(label));
        byNormalised.values().stream().filter(variants -> variants.size() > 1).forEach(variants ->
                findings.warning("label_variants", "Some labels differ only by case or whitespace; they are kept as different classes.",
                        null, String.join(" | ", variants.stream().map(v -> "'" + v + "'").toList()), variants.size()));
    }

    private DatasetReport.Splits assignSplits() throws SQLException {
        if (settings.columns().split() == null) {
            try (PreparedStatement update = connection.prepareStatement("""
                    with ranked as (
                        select row_index,
                               row_number() over (partition by label order by md5(?::text || encode(text_hash, 'hex')), row_index) - 1 as rank,
                               count(*) over (partition by label) as n
                          from upload_rows where dataset_id = ?),
                    sized as (
                        select row_index, rank,
                               least(floor(n * ?::float8 + 0.5), greatest(n - 1, 0)) as n_test,
                               floor(n * ?::float8 + 0.5) as n_validation, n
                          from ranked),
                    assigned as (
                        select row_index,
                               case when rank < n_test then 2
                                    when rank < n_test + least(n_validation, greatest(n - 1 - n_test, 0)) then 1
                                    else 0 end as split
                          from sized)
                    update upload_rows r set split = assigned.split
                      from assigned
                     where r.dataset_id = ? and r.row_index = assigned.row_index and assigned.split <> 0
                    """)) {
                update.setString(1, Long.toString(settings.splitSeed()));
                update.setString(2, datasetId);
                update.setDouble(3, settings.testFraction());
                update.setDouble(4, settings.validationFraction());
                update.setString(5, datasetId);
                update.executeUpdate();
            }
        }
        long[] totals = splitTotals(connection, datasetId);
        boolean stratified = settings.columns().split() == null;
        return new DatasetReport.Splits(stratified ? "stratified" : "column", stratified ? settings.splitSeed() : null,
                stratified ? settings.validationFraction() : null, stratified ? settings.testFraction() : null,
                totals[0], totals[1], totals[2]);
    }

    private Map<String, long[]> countPerSplit() throws SQLException {
        Map<String, long[]> perSplit = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "select label, split, count(*) from upload_rows where dataset_id = ? group by label, split")) {
            query.setString(1, datasetId);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    perSplit.computeIfAbsent(result.getString(1), key -> new long[3])[result.getInt(2)] = result.getLong(3);
                }
            }
        }
        return perSplit;
    }

    private void findDuplicatesAndConflicts() throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                select min(line) filter (where nth > 1), count(*) filter (where nth > 1), count(*) filter (where nth = 1)
                  from (select line, row_number() over (partition by text_hash order by row_index) as nth
                          from upload_rows where dataset_id = ?) numbered
                """)) {
            query.setString(1, datasetId);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                long duplicateRows = result.getLong(2);
                duplicates = new DatasetReport.Duplicates(duplicateRows, result.getLong(3));
                if (duplicateRows > 0) {
                    findings.warning("duplicate_texts", "Some texts occur more than once.", result.getInt(1),
                            examples("""
                                    select 'line ' || max(line) || ' repeats line ' || min(line)
                                      from upload_rows where dataset_id = ? group by text_hash having count(*) > 1
                                     order by min(line) limit 5"""), duplicateRows);
                }
            }
        }
        warnAboutTextGroups("count(distinct label) > 1", "conflicting_labels", "Some texts occur with different labels.",
                "|| ': ' || string_agg(distinct label, ' vs ')");
    }

    private void findLeakage() throws SQLException {
        warnAboutTextGroups("count(distinct split) > 1", "split_leakage",
                "Some texts occur in more than one split, which inflates test scores.", "");
    }

    /**
     * Warns about groups of identical texts that match {@code having}; examples list their lines,
     * followed by {@code exampleSuffix} (an SQL string expression over the group).
     */
    private void warnAboutTextGroups(String having, String code, String message, String exampleSuffix) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "select count(*), min(first_line) from (select min(line) as first_line from upload_rows"
                        + " where dataset_id = ? group by text_hash having " + having + ") matching")) {
            query.setString(1, datasetId);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                long groups = result.getLong(1);
                if (groups > 0) {
                    findings.warning(code, message, result.getInt(2), examples(
                            "select 'lines ' || string_agg(line::text, ', ' order by line) " + exampleSuffix
                                    + " from upload_rows where dataset_id = ? group by text_hash having " + having
                                    + " order by min(line) limit 5"), groups);
                }
            }
        }
    }

    private List<String> examples(String sql) throws SQLException {
        return examples(connection, datasetId, sql);
    }

    /** The first column of {@code sql}'s rows, the upload's id its one parameter: a finding's examples. */
    static List<String> examples(Connection connection, String datasetId, String sql) throws SQLException {
        List<String> examples = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, datasetId);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    examples.add(result.getString(1));
                }
            }
        }
        return examples;
    }

    /** The upload's rows per split: train, validation, test. */
    static long[] splitTotals(Connection connection, String datasetId) throws SQLException {
        long[] totals = new long[3];
        try (PreparedStatement query = connection.prepareStatement(
                "select split, count(*) from upload_rows where dataset_id = ? group by split")) {
            query.setString(1, datasetId);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    totals[result.getInt(1)] = result.getLong(2);
                }
            }
        }
        return totals;
    }

    private void findSmallValidation(DatasetReport.Splits splits, Map<String, long[]> perSplit) {
        int validation = Split.VALIDATION.code();
        long fewest = labelCounts.keySet().stream()
                .mapToLong(label -> perSplit.getOrDefault(label, new long[3])[validation]).min().orElse(0);
        if (splits.validation() == 0) {
            findings.warning("small_validation_split", "There are no validation rows: the best epoch and the compression"
                    + " gate will be chosen on the training rows, which the model has seen.", null, List.of(), 0);
        } else if (Split.tooFewToChooseOn(splits.validation(), fewest)) {
            // The labels with the fewest validation rows first.
            List<String> examples = labelCounts.keySet().stream()
                    .sorted(java.util.Comparator.<String>comparingLong(label -> perSplit.getOrDefault(label, new long[3])[validation])
                            .thenComparing(label -> label))
                    .map(label -> "'" + label + "': " + perSplit.getOrDefault(label, new long[3])[validation] + " in validation")
                    .toList();
            findings.warning("small_validation_split", Split.tooFewMessage(splits.validation(), fewest), null, examples,
                    splits.validation());
        }
    }

    private void findImbalance() {
        long largest = labelCounts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long smallest = labelCounts.values().stream().mapToLong(Long::longValue).min().orElse(0);
        if (smallest > 0 && largest >= smallest * IMBALANCE_RATIO) {
            List<String> examples = labelCounts.entrySet().stream()
                    .filter(entry -> entry.getValue() == largest || entry.getValue() == smallest)
                    .map(entry -> "'" + entry.getKey() + "': " + entry.getValue()).toList();
            findings.warning("class_imbalance", "The largest class has " + (largest / smallest)
                    + " times as many examples as the smallest; consider class weights or more data.", null, examples,
                    labelCounts.size());
        }
    }

    private DatasetReport.Stats stats(Map<String, long[]> perSplit) {
        List<DatasetReport.LabelCount> labels = new ArrayList<>();
        labelCounts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(entry -> {
                    long[] splits = perSplit == null ? null : perSplit.getOrDefault(entry.getKey(), new long[3]);
                    labels.add(new DatasetReport.LabelCount(entry.getKey(), entry.getValue(),
                            splits == null ? null : splits[0], splits == null ? null : splits[1],
                            splits == null ? null : splits[2]));
                });
        List<DatasetReport.Truncation> truncation = new ArrayList<>();
        if (tokenizerModel != null) {
            for (BaseModel model : BaseModel.values()) {
                if (sameTokenizerFamily(model)) {
                    long over = truncated.getOrDefault(model, 0L);
                    truncation.add(new DatasetReport.Truncation(model.id(), model.maxSequenceLength(), over,
                            rows == 0 ? 0 : Math.round(over * 10_000.0 / rows) / 10_000.0));
                    if (over > 0 && perSplit != null) {
                        findings.warning("texts_truncated", "Some texts are longer than a base model reads; their ends will be ignored.",
                                null, model.id() + ": " + over + " rows over " + model.maxSequenceLength() + " tokens", over);
                    }
                }
            }
        }
        return new DatasetReport.Stats(rows, labelCounts.size(), labels, characters.stats("characters", null),
                tokenizerModel == null ? null : tokens.stats("tokens", tokenizerModel.id()), truncation, duplicates, null);
    }
}
