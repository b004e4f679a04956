package dev.bonsai.dataset;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A ready dataset's rows as the jobs read them: every text, its label and its split, in file order.
 * The rows are fetched a thousand at a time (in a read-only transaction, without which the driver
 * would read the whole result before the first row); the whole dataset is then held, as the jobs
 * need every row.
 */
@ApplicationScoped
public class DatasetTexts {

    private static final int FETCH_SIZE = 1000;

    /** Texts, labels and splits in file order, and the hash of the file they came from. */
    public record Rows(List<String> texts, List<String> labels, List<Split> splits, String datasetSha256) {

        /** The positions of the rows in any of {@code splits}, in file order. */
        public int[] indexes(Set<Split> splits) {
            return IntStream.range(0, texts.size()).filter(i -> splits.contains(this.splits.get(i))).toArray();
        }

        public int[] indexes(Split split) {
            return indexes(EnumSet.of(split));
        }

        /** The rows at {@code indexes}, their labels as positions in {@code order}. */
        public LabelledTexts labelled(int[] indexes, List<String> order) {
            return new LabelledTexts(IntStream.of(indexes).mapToObj(texts::get).toList(),
                    IntStream.of(indexes).map(i -> order.indexOf(labels.get(i))).toArray());
        }

        /** The rows of {@code split}, in file order, their labels as positions in {@code order}. */
        public LabelledTexts labelled(Split split, List<String> order) {
            return labelled(indexes(split), order);
        }

        /** Every row, in file order, its label as a position in {@code order}. */
        public LabelledTexts labelled(List<String> order) {
            return labelled(IntStream.range(0, texts.size()).toArray(), order);
        }
    }

    /** A pair dataset's rows in file order: anchors, positives, negatives (null where a pair has none), splits. */
    public record Pairs(List<String> anchors, List<String> positives, List<String> negatives, List<Split> splits,
            String datasetSha256) {

        /** The positions of the rows in any of {@code splits}, in file order. */
        public int[] indexes(Set<Split> splits) {
            return IntStream.range(0, anchors.size()).filter(i -> splits.contains(this.splits.get(i))).toArray();
        }

        /** The values of {@code column} at {@code indexes}. */
        public static List<String> pick(List<String> column, int[] indexes) {
            return IntStream.of(indexes).mapToObj(column::get).toList();
        }
    }

    @Inject
    AgroalDataSource dataSource;

    /** Every pair of the tenant's pair dataset; empty when it is not there, not ready or not a pair dataset. */
    public Optional<Pairs> readPairs(String tenantId, String datasetId) throws SQLException {
        return readOnly(connection -> {
            String sha256 = sha256(connection, tenantId, datasetId, "embedding");
            if (sha256 == null) {
                return Optional.empty();
            }
            List<String> anchors = new ArrayList<>();
            List<String> positives = new ArrayList<>();
            List<String> negatives = new ArrayList<>();
            List<Split> splits = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement(
                    "select text, label, negative, split from dataset_rows where dataset_id = ? order by row_index")) {
                query.setString(1, datasetId);
                query.setFetchSize(FETCH_SIZE);
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        anchors.add(result.getString(1));
                        positives.add(result.getString(2));
                        negatives.add(result.getString(3));
                        splits.add(Split.ofCode(result.getInt(4)));
                    }
                }
            }
            return Optional.of(new Pairs(anchors, positives, java.util.Collections.unmodifiableList(negatives), splits, sha256));
        });
    }

    /** Every row of the tenant's dataset; empty when it is not there or not ready (deleted, rejected). */
    public Optional<Rows> read(String tenantId, String datasetId) throws SQLException {
        return readOnly(connection -> read(connection, tenantId, datasetId));
    }

    /** Work on one connection. */
    @FunctionalInterface
    private interface Reading<T> {
        T read(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in a read-only transaction, without which the driver would read a whole result
     * before its first row.
     */
    private <T> T readOnly(Reading<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            try {
                return work.read(connection);
            } finally {
                connection.rollback();
                connection.setReadOnly(false);
                connection.setAutoCommit(autoCommit);
            }
        }
    }

    /** The file hash of the tenant's ready dataset of {@code task} (null: any task), or null when there is none. */
    private static String sha256(Connection connection, String tenantId, String datasetId, String task) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("select sha256 from datasets where id = ?"
                + " and tenant_id = ? and status = 'ready'" + (task == null ? "" : " and task = ?"))) {
            query.setString(1, datasetId);
            query.setString(2, tenantId);
            if (task != null) {
                query.setString(3, task);
            }
            try (ResultSet result = query.executeQuery()) {
                return result.next() ? result.getString(1) : null;
            }
        }
    }

    /**
     * Up to {@code limit} texts of the tenant's dataset, those of {@code preferred} first, in file
     * order; none when the dataset is gone. For samples (a bundle's parity texts), not for training.
     */
    public List<String> sample(String tenantId, String datasetId, Split preferred, int limit) throws SQLException {
        List<String> texts = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("select r.text from dataset_rows r"
                        + " join datasets d on d.id = r.dataset_id and d.tenant_id = ?"
                        + " where r.dataset_id = ? order by (r.split = ?) desc, r.row_index limit ?")) {
            query.setString(1, tenantId);
            query.setString(2, datasetId);
            query.setShort(3, preferred.code());
            query.setInt(4, limit);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    texts.add(result.getString(1));
                }
            }
        }
        return texts;
    }

    private static Optional<Rows> read(Connection connection, String tenantId, String datasetId) throws SQLException {
        String sha256 = sha256(connection, tenantId, datasetId, null);
        if (sha256 == null) {
            return Optional.empty();
        }
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Split> splits = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "select text, label, split from dataset_rows where dataset_id = ? order by row_index")) {
            query.setString(1, datasetId);
            query.setFetchSize(FETCH_SIZE);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    texts.add(result.getString(1));
                    labels.add(result.getString(2));
                    splits.add(Split.ofCode(result.getInt(3)));
                }
            }
        }
        return Optional.of(new Rows(texts, labels, splits, sha256));
    }
}
