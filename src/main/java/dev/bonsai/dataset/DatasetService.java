package dev.bonsai.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.basemodel.BaseModelCatalog;
import dev.bonsai.blob.BlobHolder;
import dev.bonsai.blob.BlobStore;
import dev.bonsai.blob.Spool;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Datasets: upload (spool to a scratch file while hashing, validate and load rows in one database
 * transaction, then move the file into blob storage), listing, rows and deletion.
 */
@ApplicationScoped
public class DatasetService implements BlobHolder {

    private static final Logger LOG = Logger.getLogger(DatasetService.class);
    private static final int MAX_NAME_LENGTH = 200;

    /**
     * What the uploader said about the file; null fields take their defaults. {@code task} is
     * {@code classification} (labelled texts, the default) or {@code embedding} (pairs: an anchor, its
     * positive and an optional hard negative).
     */
    public record UploadRequest(String name, String fileName, DatasetFormat format, String textColumn,
            String labelColumn, String splitColumn, String task, String anchorColumn, String positiveColumn,
            String negativeColumn) {

        public UploadRequest(String name, String fileName, DatasetFormat format, String textColumn, String labelColumn,
                String splitColumn) {
            this(name, fileName, format, textColumn, labelColumn, splitColumn, null, null, null, null);
        }
    }

    /** What a dataset is for: labelled texts train classifiers, pairs train embedding models. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "Task", description = "classification: labelled"
            + " texts, and the classifiers trained on them; embedding: pairs of an anchor, its positive and an optional"
            + " hard negative, and the embedding models trained on them for semantic search")
    public enum Task {
        classification, embedding;

        /** The task a request names; null or blank is classification. */
        public static Task parse(String value, String pointer) {
            if (value == null || value.isBlank()) {
                return classification;
            }
            for (Task task : values()) {
                if (task.name().equals(value.strip())) {
                    return task;
                }
            }
            throw ProblemException.invalidField(pointer, "task must be classification or embedding.");
        }
    }

    /** Something that may hold on to a dataset (a running job); such a dataset cannot be deleted. */
    public interface UsageCheck {
        /** A sentence saying what uses the dataset, or empty. */
        Optional<String> usedBy(String tenantId, String datasetId);
    }

    @Inject
    Instance<BlobHolder> holders;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    BlobStore blobs;

    @Inject
    BaseModelCatalog baseModels;

    @Inject
    BonsaiConfig config;

    @Inject
    ObjectMapper json;

    @Inject
    Instance<UsageCheck> usageChecks;

    public Dataset upload(String tenantId, UploadRequest request, InputStream body) {
        String name = request.name() == null || request.name().isBlank()
                ? (request.fileName() == null ? "dataset" : request.fileName()) : request.name().strip();
        Task task = Task.parse(request.task(), "/task");
        String splitColumn = request.splitColumn() == null || request.splitColumn().isBlank() ? null : request.splitColumn().strip();
        if (name.length() > MAX_NAME_LENGTH) {
            throw ProblemException.invalidField("/name", "name must be at most " + MAX_NAME_LENGTH + " characters.");
        }
        RowReader.Columns columns = task == Task.embedding ? pairColumns(request, splitColumn) : labelledColumns(request, splitColumn);

        Path spooled = null;
        try {
            spooled = Files.createTempFile(blobs.scratchDirectory(), "upload-", ".part");
            String sha256 = spool(body, spooled);
            long bytes = Files.size(spooled);
            String id = Ids.next("ds");
            DatasetIngest.Settings settings = new DatasetIngest.Settings(request.format(),
                    columns, config.datasets().maxTextLength(),
                    config.datasets().maxClasses(), config.datasets().validationFraction(),
                    config.datasets().testFraction(), config.datasets().splitSeed());
            DatasetEntity row = new DatasetEntity();
            row.id = id;
            row.tenantId = tenantId;
            row.name = name;
            row.format = request.format().wireName();
            row.task = task.name();
            row.textColumn = columns.text();
            row.labelColumn = columns.label();
            row.negativeColumn = columns.negative();
            row.splitColumn = splitColumn;
            row.sha256 = sha256;
            row.bytes = bytes;
            row.createdAt = OffsetDateTime.now(ZoneOffset.UTC);

            Path file = spooled;
            DatasetIngest.Result result = ingest(row, settings, spooled, () -> blobs.putFile(sha256, file));
            row.report = result.report();
            row.rowCount = (int) result.rows();
            row.negativeColumn = usedNegativeColumn(columns, result.report());
            if (!result.accepted()) {
                row.status = "rejected";
                insertRejected(row);
                throw rejected(Dataset.of(row, true));
            }
            row.status = "ready";
            spooled = null;
            return Dataset.of(row, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("could not store the dataset", e);
        } finally {
            deleteQuietly(spooled);
        }
    }

    /** Copies the body to {@code target} and returns its sha256; over the size limit is a 413. */
    private String spool(InputStream body, Path target) throws IOException {
        long limit = config.datasets().maxUploadSize().asLongValue();
        return Spool.copy(body, target, limit, "Datasets may be at most " + limit + " bytes; split the file or raise"
                + " BONSAI_DATASET_MAX_UPLOAD_SIZE.");
    }

    /** Work done just before an accepted upload commits. */
    private interface BeforeCommit {
        void run() throws IOException;
    }

    /**
     * Loads the rows in one transaction, committed only when the report has no errors. The file is
     * stored first ({@code store}), so that a committed dataset always has its file; when the commit
     * fails after it, the file is removed again unless another dataset holds the same bytes.
     */
    private DatasetIngest.Result ingest(DatasetEntity row, DatasetIngest.Settings settings, Path file,
            BeforeCommit store) throws IOException, SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                insert(connection, row, "ready", "{\"status\":\"ready\",\"errors\":[],\"warnings\":[]}");
                DatasetIngest.Result result;
                try (InputStream in = Files.newInputStream(file)) {
                    result = settings.columns().pairs()
                            ? new PairIngest(connection, row.id, settings, baseModels::tokenizer).run(in)
                            : new DatasetIngest(connection, row.id, settings, baseModels::tokenizer).run(in);
                }
                if (!result.accepted()) {
                    connection.rollback();
                    return result;
                }
                try (PreparedStatement update = connection.prepareStatement(
                        "update datasets set report = ?::jsonb, row_count = ?, negative_column = ? where id = ?")) {
                    update.setString(1, toJson(result.report()));
                    update.setInt(2, (int) result.rows());
                    update.setString(3, usedNegativeColumn(settings.columns(), result.report()));
                    update.setString(4, row.id);
                    update.executeUpdate();
                }
                boolean stored = !blobs.exists(row.sha256);
                store.run();
                try {
                    connection.commit();
                } catch (SQLException e) {
                    if (stored) {
                        removeUnlessUsed(row.sha256);
                    }
                    throw e;
                }
                return result;
            } catch (IOException | SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Removes a file this upload stored, unless a committed dataset holds the same bytes. */
    private void removeUnlessUsed(String sha256) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement used = connection.prepareStatement("select 1 from datasets where sha256 = ? and status = 'ready' limit 1")) {
            used.setString(1, sha256);
            try (ResultSet result = used.executeQuery()) {
                if (!result.next()) {
                    blobs.delete(sha256);
                }
            }
        } catch (IOException | SQLException e) {
            LOG.warnf("An upload's file %s could not be removed after its commit failed: %s", sha256, e.getMessage());
        }
    }

    private void insertRejected(DatasetEntity row) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            insert(connection, row, "rejected", toJson(row.report));
        }
    }

    private static void insert(Connection connection, DatasetEntity row, String status, String reportJson) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                insert into datasets (id, tenant_id, name, status, format, text_column, label_column, split_column,
                                      sha256, bytes, row_count, report, created_at, task, negative_column)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)""")) {
            insert.setString(1, row.id);
            insert.setString(2, row.tenantId);
            insert.setString(3, row.name);
            insert.setString(4, status);
            insert.setString(5, row.format);
            insert.setString(6, row.textColumn);
            insert.setString(7, row.labelColumn);
            insert.setString(8, row.splitColumn);
            insert.setString(9, row.sha256);
            insert.setLong(10, row.bytes);
            insert.setInt(11, row.rowCount);
            insert.setString(12, reportJson);
            insert.setObject(13, row.createdAt);
            insert.setString(14, row.task);
            insert.setString(15, row.negativeColumn);
            insert.executeUpdate();
        }
    }

    private ProblemException rejected(Dataset dataset) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (Finding finding : dataset.report().errors()) {
            String where = finding.line() == null ? "" : " (line " + finding.line() + ")";
            errors.add(new Problem.FieldError("/file", finding.code() + ": " + finding.message() + where));
        }
        Finding first = dataset.report().errors().get(0);
        String detail = "The dataset was rejected: " + first.message()
                + (first.line() == null ? "" : " First at line " + first.line() + ".")
                + (errors.size() > 1 ? " " + (errors.size() - 1) + " more problem(s) in the report." : "");
        return new ProblemException(ProblemType.DATASET_REJECTED, detail, errors, Map.of("dataset", dataset), Map.of());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<Dataset> list(String tenantId, Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        List<DatasetEntity> rows = DatasetEntity.<DatasetEntity>find(
                "tenantId = ?1 and seq < ?2 order by seq desc", tenantId, below).page(0, pageSize + 1).list();
        return Cursor.page(rows, pageSize, row -> row.seq, row -> Dataset.of(row, false));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Dataset get(String tenantId, String id) {
        return Dataset.of(find(tenantId, id), false);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public DatasetReport report(String tenantId, String id) {
        return find(tenantId, id).report;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<DatasetRow> rows(String tenantId, String id, String split, Integer limit, String after) {
        DatasetEntity dataset = find(tenantId, id);
        int pageSize = Cursor.limit(limit);
        long from = after == null || after.isBlank() ? -1 : Cursor.decode(after);
        Integer splitCode = null;
        if (split != null && !split.isBlank()) {
            splitCode = (int) Split.parse(split).orElseThrow(() -> ProblemException.invalidField("/split",
                    "split must be train, validation or test.")).code();
        }
        boolean pairs = Task.embedding.name().equals(dataset.task);
        String sql = "select row_index, line, text, label, split, token_count, negative from dataset_rows"
                + " where dataset_id = ? and row_index > ?" + (splitCode == null ? "" : " and split = ?")
                + " order by row_index limit ?";
        List<DatasetRow> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            int parameter = 1;
            query.setString(parameter++, dataset.id);
            query.setLong(parameter++, from);
            if (splitCode != null) {
                query.setInt(parameter++, splitCode);
            }
            query.setInt(parameter, pageSize + 1);
            try (var result = query.executeQuery()) {
                while (result.next()) {
                    String label = result.getString(4);
                    rows.add(new DatasetRow(result.getLong(1), result.getInt(2), result.getString(3), pairs ? null : label,
                            pairs ? label : null, result.getString(7), Split.ofCode(result.getInt(5)).wireName(),
                            result.getInt(6)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read dataset rows", e);
        }
        boolean hasMore = rows.size() > pageSize;
        List<DatasetRow> shown = hasMore ? rows.subList(0, pageSize) : rows;
        return new Page<>(List.copyOf(shown), hasMore, hasMore ? Cursor.encode(shown.get(shown.size() - 1).index()) : null);
    }

    /** A dataset that was accepted names these bytes as its file. */
    @Override
    public boolean holds(String sha256) {
        return DatasetEntity.count("sha256 = ?1 and status = 'ready'", sha256) > 0;
    }

    /** Deletes the dataset, its rows and, when nothing else (another dataset, a batch) holds the same content, its file. */
    public void delete(String tenantId, String id) {
        DatasetEntity dataset = deleteRecord(tenantId, id);
        if (!"ready".equals(dataset.status)) {
            return;
        }
        if (!QuarkusTransaction.requiringNew().call(() -> holders.stream().anyMatch(holder -> holder.holds(dataset.sha256)))) {
            try {
                blobs.delete(dataset.sha256);
            } catch (IOException e) {
                LOG.warnf("Dataset %s deleted, but its file %s could not be removed: %s", id, dataset.sha256, e.getMessage());
            }
        }
    }

    @Transactional
    DatasetEntity deleteRecord(String tenantId, String id) {
        DatasetEntity dataset = find(tenantId, id);
        for (UsageCheck check : usageChecks) {
            check.usedBy(tenantId, id).ifPresent(reason -> {
                throw new ProblemException(ProblemType.CONFLICT, "The dataset cannot be deleted: " + reason);
            });
        }
        dataset.delete();
        return dataset;
    }

    private DatasetEntity find(String tenantId, String id) {
        return DatasetEntity.<DatasetEntity>find("id = ?1 and tenantId = ?2", id, tenantId).firstResultOptional()
                .orElseThrow(() -> ProblemException.notFound("dataset", id));
    }

    /** The negative column a pair dataset's file used: the one named, or the default when rows had it; else null. */
    private static String usedNegativeColumn(RowReader.Columns columns, DatasetReport report) {
        if (!columns.pairs()) {
            return null;
        }
        boolean used = report.stats() != null && report.stats().pairs() != null && report.stats().pairs().withNegative() > 0;
        return columns.negativeRequired() || used ? columns.negative() : null;
    }

    private static RowReader.Columns labelledColumns(UploadRequest request, String splitColumn) {
        for (String[] pairSetting : new String[][] {{"/anchorColumn", request.anchorColumn()},
            {"/positiveColumn", request.positiveColumn()}, {"/negativeColumn", request.negativeColumn()}}) {
            if (pairSetting[1] != null && !pairSetting[1].isBlank()) {
                throw ProblemException.invalidField(pairSetting[0], pairSetting[0].substring(1)
                        + " names a column of a pair dataset; send task=embedding with it.");
            }
        }
        String textColumn = orDefault(request.textColumn(), "text");
        String labelColumn = orDefault(request.labelColumn(), "label");
        validateNames(textColumn, labelColumn, splitColumn);
        return new RowReader.Columns(textColumn, labelColumn, splitColumn);
    }

    /**
     * A pair dataset's columns: anchor, positive and negative, by default named so; a negative column
     * named in the request must be in the file, the default one is read when it is there.
     */
    private static RowReader.Columns pairColumns(UploadRequest request, String splitColumn) {
        for (String[] labelledSetting : new String[][] {{"/textColumn", request.textColumn()},
            {"/labelColumn", request.labelColumn()}}) {
            if (labelledSetting[1] != null && !labelledSetting[1].isBlank()) {
                throw ProblemException.invalidField(labelledSetting[0], labelledSetting[0].substring(1)
                        + " names a column of a labelled dataset; a pair dataset (task=embedding) names anchorColumn,"
                        + " positiveColumn and negativeColumn.");
            }
        }
        String anchor = orDefault(request.anchorColumn(), "anchor");
        String positive = orDefault(request.positiveColumn(), "positive");
        boolean negativeNamed = request.negativeColumn() != null && !request.negativeColumn().isBlank();
        String negative = orDefault(request.negativeColumn(), "negative");
        List<String> seen = new ArrayList<>();
        for (String[] column : new String[][] {{"/anchorColumn", anchor}, {"/positiveColumn", positive},
            {"/negativeColumn", negative}, {"/splitColumn", splitColumn}}) {
            if (column[1] == null) {
                continue;
            }
            if (seen.contains(column[1])) {
                throw ProblemException.invalidField(column[0], "anchorColumn, positiveColumn, negativeColumn and"
                        + " splitColumn must name different columns ('" + column[1] + "' is named twice).");
            }
            seen.add(column[1]);
        }
        return RowReader.Columns.pairs(anchor, positive, negative, negativeNamed, splitColumn);
    }

    private static void validateNames(String textColumn, String labelColumn, String splitColumn) {
        if (textColumn.equals(labelColumn)) {
            throw ProblemException.invalidField("/labelColumn", "textColumn and labelColumn must be different columns.");
        }
        if (splitColumn != null && (splitColumn.equals(textColumn) || splitColumn.equals(labelColumn))) {
            throw ProblemException.invalidField("/splitColumn", "splitColumn must differ from the text and label columns.");
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.debugf("could not delete scratch file %s", file);
            }
        }
    }
}
