package dev.bonsai.finetune;

import static dev.bonsai.platform.OpenApiFilter.NULLABLE;

import dev.bonsai.job.JobStatus;
import java.time.OffsetDateTime;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A fine-tuning job. {@code status}: queued → running → succeeded | failed | cancelled.
 * {@code error} ({@code code, message, param}) is set when it failed; {@code modelId} when it
 * succeeded. {@code etaSeconds} extrapolates the elapsed time by the progress. While it runs,
 * {@code checkpointEpoch} is the last epoch saved: a job interrupted by a crash resumes from there.
 */
public record FineTuneJob(String id,
        @Schema(nullable = true, description = "The model's name; when none is given, the dataset's name, the method and the base model") String name,
        String baseModel, String dataset, String method,
        @Schema(implementation = dev.bonsai.dataset.DatasetService.Task.class) String task,
        Map<String, Object> hyperparameters, Map<String, String> metadata,
        @Schema(implementation = JobStatus.class) String status, double progress,
        @Schema(nullable = true, description = "Jobs ahead of it while it is queued") Long queuePosition,
        @Schema(nullable = true) Long etaSeconds, @Schema(nullable = true) Integer checkpointEpoch,
        @Schema(ref = "JobError", extensions = @Extension(name = NULLABLE, value = "true")) Map<String, Object> error,
        @Schema(ref = "TrainingMetrics", description = "The model's metrics, once it succeeded",
                extensions = @Extension(name = NULLABLE, value = "true")) Map<String, Object> result,
        @Schema(nullable = true) String modelId, OffsetDateTime createdAt,
        @Schema(nullable = true) OffsetDateTime startedAt, @Schema(nullable = true) OffsetDateTime finishedAt) {

    static FineTuneJob of(FineTuneJobEntity entity, Long queuePosition) {
        Long eta = entity.etaSeconds();
        return new FineTuneJob(entity.id, entity.name, entity.baseModel, entity.datasetId, entity.method,
                entity.task, entity.hyperparameters, entity.metadata == null ? Map.of() : entity.metadata, entity.status,
                Math.round(entity.progress * 1000) / 1000.0,
                queuePosition, eta, entity.checkpointEpoch, entity.error, entity.result, entity.modelId, entity.createdAt,
                entity.startedAt,
                entity.finishedAt);
    }
}
