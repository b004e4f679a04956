package dev.bonsai.finetune;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * A fine-tuning job. {@code status}: queued → running → succeeded | failed | cancelled.
 * {@code error} ({@code code, message, param}) is set when it failed; {@code modelId} when it
 * succeeded. {@code etaSeconds} extrapolates the elapsed time by the progress. While it runs,
 * {@code checkpointEpoch} is the last epoch saved: a job interrupted by a crash resumes from there.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FineTuneJob(String id, String name, String baseModel, String dataset, String method,
        Map<String, Object> hyperparameters, Map<String, String> metadata, String status, double progress,
        Long queuePosition, Long etaSeconds, Integer checkpointEpoch, Map<String, Object> error, Map<String, Object> result,
        String modelId, OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime finishedAt) {

    static FineTuneJob of(FineTuneJobEntity entity, Long queuePosition) {
        Long eta = null;
        if ("running".equals(entity.status) && entity.startedAt != null && entity.progress > 0.02f) {
            double elapsed = Duration.between(entity.startedAt, OffsetDateTime.now(ZoneOffset.UTC)).toMillis() / 1000.0;
            eta = Math.round(elapsed / entity.progress * (1 - entity.progress));
        }
        return new FineTuneJob(entity.id, entity.name, entity.baseModel, entity.datasetId, entity.method,
                entity.hyperparameters, entity.metadata, entity.status, Math.round(entity.progress * 1000) / 1000.0,
                queuePosition, eta, entity.checkpointEpoch, entity.error, entity.result, entity.modelId, entity.createdAt,
                entity.startedAt,
                entity.finishedAt);
    }
}
