package dev.bonsai.dataset;

import java.time.OffsetDateTime;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A dataset as the API shows it. {@code report} is included in the upload's answer; elsewhere it is
 * at {@code /v1/datasets/{id}/report}.
 */
public record Dataset(String id, String name, @Schema(implementation = Status.class) String status, String format,
        @Schema(nullable = true) String textColumn, @Schema(nullable = true) String labelColumn,
        @Schema(nullable = true) String splitColumn, String sha256, long bytes, long rows,
        List<DatasetReport.LabelCount> labels, @Schema(nullable = true) DatasetReport.Splits splits, int warnings,
        int errors, OffsetDateTime createdAt,
        @Schema(nullable = true, description = "In the upload's answer; null elsewhere") DatasetReport report) {

    /** {@code rejected}: validation found errors, and nothing can be trained on it. */
    @Schema(name = "DatasetStatus")
    public enum Status {
        ready, rejected
    }

    static Dataset of(DatasetEntity entity, boolean withReport) {
        DatasetReport report = entity.report;
        return new Dataset(entity.id, entity.name, entity.status, entity.format, entity.textColumn, entity.labelColumn,
                entity.splitColumn, entity.sha256, entity.bytes, entity.rowCount,
                report.stats() == null ? List.of() : report.stats().labels(), report.splits(), report.warnings().size(),
                report.errors().size(), entity.createdAt, withReport ? report : null);
    }
}
