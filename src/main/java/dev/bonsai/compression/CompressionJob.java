package dev.bonsai.compression;

import static dev.bonsai.platform.OpenApiFilter.NULLABLE;

import dev.bonsai.job.JobStatus;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A compression job. {@code status}: queued → running → succeeded | failed | cancelled. When it
 * succeeded, {@code result} holds the variant matrix (every variant measured, with its verdict),
 * the Pareto frontier, the recommended variant (or why none, and what came closest).
 */
public record CompressionJob(String id, String model, String device,
        @Schema(description = "The recipes tried, in the canonical form (auto expanded)") List<String> techniques,
        double maxAccuracyDrop, @Schema(nullable = true) Double maxLatencyMillis, @Schema(nullable = true) Long maxSizeBytes,
        @Schema(implementation = JobStatus.class) String status, double progress,
        @Schema(nullable = true, description = "Jobs ahead of it while it is queued") Long queuePosition,
        @Schema(nullable = true) Long etaSeconds,
        @Schema(ref = "JobError", extensions = @Extension(name = NULLABLE, value = "true")) Map<String, Object> error,
        @Schema(ref = "CompressionResult", extensions = @Extension(name = NULLABLE, value = "true"))
        Map<String, Object> result,
        OffsetDateTime createdAt, @Schema(nullable = true) OffsetDateTime startedAt,
        @Schema(nullable = true) OffsetDateTime finishedAt) {

    @SuppressWarnings("unchecked")
    static CompressionJob of(CompressionJobEntity entity, Long queuePosition) {
        Long eta = entity.etaSeconds();
        Map<String, Object> request = entity.request;
        return new CompressionJob(entity.id, entity.modelId, entity.device, (List<String>) request.get("techniques"),
                ((Number) request.get("maxAccuracyDrop")).doubleValue(),
                request.get("maxLatencyMillis") instanceof Number n ? n.doubleValue() : null,
                request.get("maxSizeBytes") instanceof Number n ? n.longValue() : null, entity.status,
                Math.round(entity.progress * 1000) / 1000.0, queuePosition, eta, entity.error, entity.result,
                entity.createdAt, entity.startedAt, entity.finishedAt);
    }
}
