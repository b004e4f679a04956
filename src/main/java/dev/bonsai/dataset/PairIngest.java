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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The ingest of a pair dataset (task {@code embedding}): rows of an anchor, its positive and an
 * optional hard negative, read once and streamed into the upload's temporary table as {@link
 * DatasetIngest} does for labelled rows (same limits, same transaction, memory flat). Splits are
 * drawn per distinct anchor, so that every pair of one query lands in one split; the report counts
 * pairs, anchors, duplicates and the anchors and positives found in more than one split.
 */
final class PairIngest {

    /** A pair dataset needs this many pairs, so that a batch has in-batch negatives at all. */
    static final int MIN_PAIRS = 4;

    private static final int BATCH_CHARACTERS = 256 * 1024;
    private static final int BATCH_ROWS = 1024;

    private final Connection connection;
    private final String datasetId;
    private final DatasetIngest.Settings settings;
    private final Function<BaseModel, TextTokenizer> tokenizers;
    private final Findings findings = new Findings();
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
    private long withNegative;

    PairIngest(Connection connection, String datasetId, DatasetIngest.Settings settings,
            Function<BaseModel, TextTokenizer> tokenizers) {
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

    DatasetIngest.Result run(InputStream file) throws IOException, SQLException {
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
        if (!findings.hasErrors() && rows < MIN_PAIRS) {
            findings.error(rows == 0 ? "no_rows" : "too_few_pairs", rows == 0 ? "The file has no data rows."
                    : "An embedding model needs at least " + MIN_PAIRS + " pairs; this file has " + rows + ".", null, null);
        }
        if (findings.hasErrors()) {
            return new DatasetIngest.Result(new DatasetReport("rejected", findings.list(Finding.Severity.error),
                    findings.list(Finding.Severity.warning), stats(null, null), null), rows);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("analyze upload_rows");
        }
        DatasetReport.Splits splits = assignSplits();
        DatasetReport.Pairs pairs = countPairs();
        if (pairs.duplicatePairs() > 0) {
            findings.warning("duplicate_pairs", "Some pairs occur more than once.", null, examples("""
                    select 'line ' || max(line) || ' repeats line ' || min(line)
                      from upload_rows where dataset_id = ? group by text_hash, md5(label) having count(*) > 1
                     order by min(line) limit 5"""), pairs.duplicatePairs());
        }
        if (pairs.leakedAnchors() > 0) {
            findings.warning("split_leakage", "Some anchors occur in more than one split, which inflates test scores.", null,
                    examples("""
                            select 'lines ' || string_agg(line::text, ', ' order by line)
                              from upload_rows where dataset_id = ? group by text_hash having count(distinct split) > 1
                             order by min(line) limit 5"""), pairs.leakedAnchors());
        }
        if (pairs.leakedPositives() > 0) {
            findings.warning("positive_leakage", "Some positives occur in more than one split: a test query may find a"
                    + " text the model was trained to find.", null, examples("""
                            select 'lines ' || string_agg(line::text, ', ' order by line)
                              from upload_rows where dataset_id = ? group by md5(label) having count(distinct split) > 1
                             order by min(line) limit 5"""), pairs.leakedPositives());
        }
        long validationAnchors = distinctAnchors(Split.VALIDATION);
        if (validationAnchors < Split.ENOUGH_VALIDATION_ROWS) {
            findings.warning("small_validation_split", validationAnchors == 0
                    ? "There are no validation pairs: the best epoch will be chosen on the training pairs, which the model has seen."
                    : "Only " + validationAnchors + " validation queries: the best epoch is chosen on few pairs, so it may"
                            + " be chance. Add pairs, or a larger validation share.", null, List.of(), validationAnchors);
        }
        DatasetReport.Stats stats = stats(pairs, splits);
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate("insert into dataset_rows select * from upload_rows");
        }
        return new DatasetIngest.Result(new DatasetReport("ready", List.of(), findings.list(Finding.Severity.warning), stats,
                splits), rows);
    }

    private void accept(RowReader.RawRow row) throws SQLException {
        String where = "line " + row.line();
        if (row.textTooLong()) {
            findings.error("text_too_long", "Some texts are longer than " + settings.maxTextLength() + " characters.",
                    row.line(), where);
            return;
        }
        if (row.text().isBlank()) {
            findings.error("empty_anchor", "Some rows have an empty anchor.", row.line(), where);
            return;
        }
        if (row.label().isBlank()) {
            findings.error("empty_positive", "Some rows have no positive.", row.line(), where);
            return;
        }
        if (row.text().indexOf('\0') >= 0 || row.label().indexOf('\0') >= 0
                || row.negative() != null && row.negative().indexOf('\0') >= 0) {
            findings.error("nul_character", "Some rows contain a NUL character, which is not text.", row.line(), where);
            return;
        }
        if (row.split() != null && Split.parse(row.split()).isEmpty()) {
            findings.error("invalid_split", "Split values must be train, validation or test.", row.line(),
                    where + ": '" + row.split() + "'");
            return;
        }
        batch.add(row);
        batchCharacters += row.text().length() + row.label().length() + (row.negative() == null ? 0 : row.negative().length());
        if (batch.size() >= BATCH_ROWS || batchCharacters >= BATCH_CHARACTERS) {
            flush();
        }
    }

    /** Every text of the batch's rows, in order: anchor, positive, then the negative when there is one. */
    private static List<String> texts(List<RowReader.RawRow> rows) {
        List<String> texts = new ArrayList<>();
        for (RowReader.RawRow row : rows) {
            texts.add(row.text());
            texts.add(row.label());
            if (row.negative() != null) {
                texts.add(row.negative());
            }
        }
        return texts;
    }

    private void flush() throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        List<String> texts = texts(batch);
        if (tokenizer == null) {
            tokenizerModel = DatasetIngest.chooseTokenizer(texts);
            tokenizer = tokenizers.apply(tokenizerModel);
        }
        int[] tokenCounts = tokenizer.countTokens(texts);
        if (!findings.hasErrors()) {
            if (copy == null) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("create temporary table upload_rows (like dataset_rows including defaults) on commit drop");
                }
                copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                        "COPY upload_rows (dataset_id, row_index, line, text, label, split, text_hash, char_count, token_count,"
                                + " negative) FROM STDIN (FORMAT text)");
            }
            copyBuffer.reset();
        }
        int at = 0;
        for (RowReader.RawRow row : batch) {
            int anchorTokens = tokenCounts[at];
            int fields = row.negative() == null ? 2 : 3;
            for (int k = 0; k < fields; k++) {
                String text = texts.get(at + k);
                characters.add(text.codePointCount(0, text.length()));
                tokens.add(tokenCounts[at + k]);
                for (BaseModel model : BaseModel.values()) {
                    if (model.language().equals(tokenizerModel.language()) && tokenCounts[at + k] > model.maxSequenceLength()) {
                        truncated.merge(model, 1L, Long::sum);
                    }
                }
            }
            at += fields;
            if (row.negative() != null) {
                withNegative++;
            }
            if (!findings.hasErrors()) {
                writeCopyLine(row, anchorTokens);
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

    private void writeCopyLine(RowReader.RawRow row, int anchorTokens) {
        StringBuilder line = new StringBuilder(row.text().length() + row.label().length() + 160);
        line.append(datasetId).append('\t').append(rows).append('\t').append(row.line()).append('\t');
        DatasetIngest.escape(line, row.text());
        line.append('\t');
        DatasetIngest.escape(line, row.label());
        line.append('\t').append(row.split() == null ? 0 : Split.parse(row.split()).orElseThrow().code());
        line.append("\t\\\\x").append(HexFormat.of().formatHex(DatasetIngest.textHash(textDigest, row.text())));
        line.append('\t').append(row.text().codePointCount(0, row.text().length()));
        line.append('\t').append(anchorTokens).append('\t');
        if (row.negative() == null) {
            line.append("\\N");
        } else {
            DatasetIngest.escape(line, row.negative());
        }
        line.append('\n');
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        copyBuffer.write(bytes, 0, bytes.length);
    }

    /**
     * Seeded splits per distinct anchor: anchors are ranked by a hash of the seed and their text, the
     * first test share of them go to test, the next validation share to validation (each at least one
     * anchor when there are three or more), the rest train.
     */
    private DatasetReport.Splits assignSplits() throws SQLException {
        boolean byColumn = settings.columns().split() != null;
        if (!byColumn) {
            try (PreparedStatement update = connection.prepareStatement("""
                    with anchors as (
                        select text_hash,
                               row_number() over (order by md5(?::text || encode(text_hash, 'hex'))) - 1 as rank,
                               count(*) over () as n
                          from (select distinct text_hash from upload_rows where dataset_id = ?) distinct_anchors),
                    sized as (
                        select text_hash, rank,
                               case when n >= 3 then greatest(floor(n * ?::float8 + 0.5), 1) else 0 end as n_test,
                               case when n >= 3 then greatest(floor(n * ?::float8 + 0.5), 1) else 0 end as n_validation
                          from anchors),
                    assigned as (
                        select text_hash,
                               case when rank < n_test then 2 when rank < n_test + n_validation then 1 else 0 end as split
                          from sized)
                    update upload_rows r set split = assigned.split
                      from assigned
                     where r.dataset_id = ? and r.text_hash = assigned.text_hash and assigned.split <> 0
                    """)) {
                update.setString(1, Long.toString(settings.splitSeed()));
                update.setString(2, datasetId);
                update.setDouble(3, settings.testFraction());
                update.setDouble(4, settings.validationFraction());
                update.setString(5, datasetId);
                update.executeUpdate();
            }
        }
        long[] totals = DatasetIngest.splitTotals(connection, datasetId);
        return new DatasetReport.Splits(byColumn ? "column" : "anchor", byColumn ? null : settings.splitSeed(),
                byColumn ? null : settings.validationFraction(), byColumn ? null : settings.testFraction(),
                totals[0], totals[1], totals[2]);
    }

    private DatasetReport.Pairs countPairs() throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                select count(*),
                       count(distinct text_hash),
                       count(distinct md5(label)),
                       count(*) - count(distinct (text_hash, md5(label))),
                       (select count(*) from (select 1 from upload_rows where dataset_id = ?
                                               group by text_hash having count(distinct split) > 1) a),
                       (select count(*) from (select 1 from upload_rows where dataset_id = ?
                                               group by md5(label) having count(distinct split) > 1) p)
                  from upload_rows where dataset_id = ?""")) {
            query.setString(1, datasetId);
            query.setString(2, datasetId);
            query.setString(3, datasetId);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return new DatasetReport.Pairs(result.getLong(1), result.getLong(2), result.getLong(3), withNegative,
                        result.getLong(4), result.getLong(5), result.getLong(6));
            }
        }
    }

    private long distinctAnchors(Split split) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "select count(distinct text_hash) from upload_rows where dataset_id = ? and split = ?")) {
            query.setString(1, datasetId);
            query.setShort(2, split.code());
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private List<String> examples(String sql) throws SQLException {
        return DatasetIngest.examples(connection, datasetId, sql);
    }

    private DatasetReport.Stats stats(DatasetReport.Pairs pairs, DatasetReport.Splits splits) {
        List<DatasetReport.Truncation> truncation = new ArrayList<>();
        if (tokenizerModel != null) {
            long texts = tokens.count();
            for (BaseModel model : BaseModel.values()) {
                if (model.language().equals(tokenizerModel.language())) {
                    long over = truncated.getOrDefault(model, 0L);
                    truncation.add(new DatasetReport.Truncation(model.id(), model.maxSequenceLength(), over,
                            texts == 0 ? 0 : Math.round(over * 10_000.0 / texts) / 10_000.0));
                    if (over > 0 && splits != null) {
                        findings.warning("texts_truncated", "Some texts are longer than a base model reads; their ends will be ignored.",
                                null, model.id() + ": " + over + " texts over " + model.maxSequenceLength() + " tokens", over);
                    }
                }
            }
        }
        DatasetReport.Pairs counted = pairs != null ? pairs
                : new DatasetReport.Pairs(rows, 0, 0, withNegative, 0, null, null);
        return new DatasetReport.Stats(rows, 0, List.of(), characters.stats("characters", null),
                tokenizerModel == null ? null : tokens.stats("tokens", tokenizerModel.id()), truncation,
                new DatasetReport.Duplicates(counted.duplicatePairs(), counted.anchors()), counted);
    }
}
