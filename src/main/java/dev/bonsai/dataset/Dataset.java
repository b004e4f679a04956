package dev.bonsai.dataset;

import java.time.OffsetDateTime;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A dataset as the API shows it: {@code task} classification holds labelled texts ({@code textColumn},
 * {@code labelColumn}), embedding holds pairs ({@code anchorColumn}, {@code positiveColumn}, and
 * {@code negativeColumn} when its file has hard negatives). {@code report} is included in the upload's answer; elsewhere it is
 * at {@code /v1/datasets/{id}/report}.
 */
public record Dataset(String id, String name, @Schema(implementation = Status.class) String status, String format,
        @Schema(implementation = DatasetService.Task.class) String task,
        @Schema(nullable = true, description = "Null for a pair dataset") String textColumn,
        @Schema(nullable = true, description = "Null for a pair dataset") String labelColumn,
        @Schema(nullable = true, description = "A pair dataset's anchor column; null for a labelled one") String anchorColumn,
        @Schema(nullable = true, description = "A pair dataset's positive column; null for a labelled one") String positiveColumn,
        @Schema(nullable = true, description = "A pair dataset's column of hard negatives, when its file has one")
        String negativeColumn,
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
        boolean pairs = DatasetService.Task.embedding.name().equals(entity.task);
        return new Dataset(entity.id, entity.name, entity.status, entity.format, entity.task,
                pairs ? null : entity.textColumn, pairs ? null : entity.labelColumn, pairs ? entity.textColumn : null,
                pairs ? entity.labelColumn : null, entity.negativeColumn, entity.splitColumn, entity.sha256, entity.bytes, entity.rowCount,
                report.stats() == null ? List.of() : report.stats().labels(), report.splits(), report.warnings().size(),
                report.errors().size(), entity.createdAt, withReport ? report : null);
    }
}
