package dev.bonsai.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A dataset as the API shows it. {@code report} is included in the upload's answer; elsewhere it is
 * at {@code /v1/datasets/{id}/report}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Dataset(String id, String name, String status, String format, String textColumn, String labelColumn,
        String splitColumn, String sha256, long bytes, long rows, List<DatasetReport.LabelCount> labels,
        DatasetReport.Splits splits, int warnings, int errors, OffsetDateTime createdAt, DatasetReport report) {

    static Dataset of(DatasetEntity entity, boolean withReport) {
        DatasetReport report = entity.report;
        return new Dataset(entity.id, entity.name, entity.status, entity.format, entity.textColumn, entity.labelColumn,
                entity.splitColumn, entity.sha256, entity.bytes, entity.rowCount,
                report.stats() == null ? List.of() : report.stats().labels(), report.splits(), report.warnings().size(),
                report.errors().size(), entity.createdAt, withReport ? report : null);
    }
}
