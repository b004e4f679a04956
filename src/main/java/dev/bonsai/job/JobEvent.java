package dev.bonsai.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;
import java.util.Map;

/** Something a job reported: {@code type} is {@code message} or {@code metrics} (then {@code data} holds them). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(long id, OffsetDateTime createdAt, String level, String type, String message,
        Map<String, Object> data) {

    static JobEvent of(JobEventEntity entity) {
        return new JobEvent(entity.id, entity.createdAt, entity.level, entity.type, entity.message, entity.data);
    }
}
