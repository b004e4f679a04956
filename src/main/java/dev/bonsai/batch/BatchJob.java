package dev.bonsai.batch;

import static dev.bonsai.platform.OpenApiFilter.NULLABLE;

import dev.bonsai.job.JobStatus;
import java.time.OffsetDateTime;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A batch prediction job. {@code status}: queued → running → succeeded | failed | cancelled.
 * {@code rowsDone} counts the rows whose predictions are stored; once it succeeded,
 * {@code result} says how many rows the output has, and the output is downloadable from
 * {@code …/output} until {@code outputExpiresAt}.
 */
@Schema(name = "BatchJob")
public record BatchJob(String id, String model, @Schema(description = "The variant the batch runs, resolved when it was created") String variant,
        @Schema(description = "csv, tsv or jsonl") String inputFormat,
        @Schema(nullable = true) String inputFileName, String textColumn, @Schema(nullable = true) String idColumn,
        @Schema(description = "Rows in the input file") long rows, long rowsDone,
        @Schema(implementation = JobStatus.class) String status, double progress,
        @Schema(nullable = true, description = "Jobs ahead of it while it is queued") Long queuePosition,
        @Schema(nullable = true) Long etaSeconds,
        @Schema(ref = "JobError", extensions = @Extension(name = NULLABLE, value = "true")) Map<String, Object> error,
        @Schema(ref = "BatchResult", description = "The output, once the job succeeded",
                extensions = @Extension(name = NULLABLE, value = "true")) Result result,
        @Schema(nullable = true, description = "When the output is deleted; afterwards it answers 410") OffsetDateTime outputExpiresAt,
        OffsetDateTime createdAt, @Schema(nullable = true) OffsetDateTime startedAt,
        @Schema(nullable = true) OffsetDateTime finishedAt) {

    /** What a finished batch made: its rows, those that could not be predicted, and its files' sizes. */
    @Schema(name = "BatchResult")
    public record Result(long rows, @Schema(description = "Rows answered with an error instead of a prediction (an empty or too long text)") long rowsWithErrors,
            long jsonlBytes, long csvBytes, @Schema(description = "True once the output has been deleted") boolean expired) {
    }

    static BatchJob of(BatchJobEntity entity, Long queuePosition) {
        Long eta = entity.etaSeconds();
        Map<String, Object> result = entity.result;
        // A batch that ended without an output keeps only its expiry mark there, which is not shown.
        Result shown = result == null || result.get("outputs") == null ? null : new Result(number(result, "rows"), number(result, "rowsWithErrors"),
                number(output(result, "jsonl"), "bytes"), number(output(result, "csv"), "bytes"),
                Boolean.TRUE.equals(result.get("expired")));
        return new BatchJob(entity.id, entity.modelId, entity.variantId, entity.inputFormat, entity.inputFileName,
                entity.textColumn, entity.idColumn, entity.rowsTotal, entity.rowsDone, entity.status,
                Math.round(entity.progress * 1000) / 1000.0, queuePosition, eta, entity.error, shown,
                entity.outputExpiresAt, entity.createdAt, entity.startedAt, entity.finishedAt);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> output(Map<String, Object> result, String format) {
        return (Map<String, Object>) ((Map<String, Object>) result.get("outputs")).get(format);
    }

    private static long number(Map<String, Object> values, String key) {
        return ((Number) values.get(key)).longValue();
    }
}
