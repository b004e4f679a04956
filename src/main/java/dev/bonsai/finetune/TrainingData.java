package dev.bonsai.finetune;

import dev.bonsai.job.JobStopped;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads a dataset's rows for training, streaming from PostgreSQL. */
@ApplicationScoped
public class TrainingData {

    /** Texts, labels and split codes (0 train, 1 validation, 2 test) in file order. */
    public record Rows(List<String> texts, List<String> labels, int[] splits, String datasetSha256) {
    }

    @Inject
    AgroalDataSource dataSource;

    /** All rows of a ready dataset of the tenant, in file order; {@code param} names it in errors. */
    public Rows read(String tenantId, String datasetId, String param) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            String sha256;
            try (PreparedStatement query = connection.prepareStatement(
                    "select sha256 from datasets where id = ? and tenant_id = ? and status = 'ready'")) {
                query.setString(1, datasetId);
                query.setString(2, tenantId);
                try (ResultSet result = query.executeQuery()) {
                    if (!result.next()) {
                        throw new JobStopped("dataset_unavailable", "Dataset " + datasetId + " no longer exists.", param);
                    }
                    sha256 = result.getString(1);
                }
            }
            List<String> texts = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            List<Integer> splits = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement(
                    "select text, label, split from dataset_rows where dataset_id = ? order by row_index")) {
                query.setString(1, datasetId);
                query.setFetchSize(1000);
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        texts.add(result.getString(1));
                        labels.add(result.getString(2));
                        splits.add(result.getInt(3));
                    }
                }
            }
            return new Rows(texts, labels, splits.stream().mapToInt(Integer::intValue).toArray(), sha256);
        }
    }
}
