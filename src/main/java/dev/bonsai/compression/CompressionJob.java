package dev.bonsai.compression;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A compression job. {@code status}: queued → running → succeeded | failed | cancelled. When it
 * succeeded, {@code result} holds the variant matrix (every variant measured, with its verdict),
 * the Pareto frontier, the recommended variant (or why none, and what came closest).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompressionJob(String id, String model, String device,
        @Schema(description = "The recipes tried, in the canonical form (auto expanded)") List<String> techniques,
        double maxAccuracyDrop, Double maxLatencyMillis, Long maxSizeBytes, String status, double progress,
        Long queuePosition, Long etaSeconds, Map<String, Object> error, Map<String, Object> result,
        OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime finishedAt) {

    @SuppressWarnings("unchecked")
    static CompressionJob of(CompressionJobEntity entity, Long queuePosition) {
        Long eta = null;
        if ("running".equals(entity.status) && entity.startedAt != null && entity.progress > 0.02f) {
            double elapsed = Duration.between(entity.startedAt, OffsetDateTime.now(ZoneOffset.UTC)).toMillis() / 1000.0;
            eta = Math.round(elapsed / entity.progress * (1 - entity.progress));
        }
        Map<String, Object> request = entity.request;
        return new CompressionJob(entity.id, entity.modelId, entity.device, (List<String>) request.get("techniques"),
                ((Number) request.get("maxAccuracyDrop")).doubleValue(),
                request.get("maxLatencyMillis") instanceof Number n ? n.doubleValue() : null,
                request.get("maxSizeBytes") instanceof Number n ? n.longValue() : null, entity.status,
                Math.round(entity.progress * 1000) / 1000.0, queuePosition, eta, entity.error, entity.result,
                entity.createdAt, entity.startedAt, entity.finishedAt);
    }
}
