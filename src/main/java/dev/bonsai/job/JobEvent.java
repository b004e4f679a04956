package dev.bonsai.job;

import java.time.OffsetDateTime;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Something a job reported: {@code type} is {@code message} or {@code metrics} (then {@code data} holds them). */
public record JobEvent(long id, OffsetDateTime createdAt, String level, String type, String message,
        @Schema(nullable = true, description = "The figures of a metrics event") Map<String, Object> data) {

    static JobEvent of(JobEventEntity entity) {
        return new JobEvent(entity.id, entity.createdAt, entity.level, entity.type, entity.message, entity.data);
    }
}
