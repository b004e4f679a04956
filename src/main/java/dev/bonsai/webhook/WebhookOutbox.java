package dev.bonsai.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.job.JobEnded;
import dev.bonsai.job.JobEntity;
import dev.bonsai.job.JobService;
import dev.bonsai.platform.Changes;
import dev.bonsai.platform.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a delivery for every enabled endpoint of the tenant that listens to an event, in the
 * transaction that makes the event happen (a job's end), so that a job that ended is announced
 * and one whose end rolled back is not. The body is fixed here, byte for byte, as Standard
 * Webhooks suggests: {@code {"type", "timestamp", "data"}} with the job as the API shows it.
 */
@ApplicationScoped
public class WebhookOutbox {

    @Inject
    Instance<JobService<?, ?>> jobKinds;

    @Inject
    ObjectMapper json;

    @Inject
    Changes changes;

    /** Every event type an endpoint may ask for, in a stable order. */
    public List<String> eventTypes() {
        List<String> types = new ArrayList<>();
        for (JobService<?, ?> kind : jobKinds) {
            types.addAll(kind.eventTypes());
        }
        types.sort(null);
        return types;
    }

    void jobEnded(@Observes JobEnded ended) {
        JobEntity job = ended.job();
        List<WebhookEndpointEntity> endpoints = WebhookEndpointEntity.list("tenantId = ?1 and enabled = true", job.tenantId);
        if (endpoints.isEmpty()) {
            return;
        }
        Optional<JobService.Ending> ending = Optional.empty();
        for (JobService<?, ?> kind : jobKinds) {
            ending = ending.or(() -> kind.ending(job));
        }
        if (ending.isEmpty()) {
            return;
        }
        String type = ending.get().eventType();
        List<WebhookEndpointEntity> listening = endpoints.stream().filter(endpoint -> endpoint.events.contains(type)).toList();
        if (listening.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String eventId = Ids.next("evt");
        String payload = payload(type, job.finishedAt == null ? now : job.finishedAt, ending.get().job());
        for (WebhookEndpointEntity endpoint : listening) {
            WebhookDeliveryEntity delivery = new WebhookDeliveryEntity();
            delivery.id = Ids.next("whd");
            delivery.endpointId = endpoint.id;
            delivery.tenantId = job.tenantId;
            delivery.eventId = eventId;
            delivery.eventType = type;
            delivery.payload = payload;
            delivery.status = "pending";
            delivery.nextAttemptAt = now;
            delivery.createdAt = now;
            delivery.persist();
        }
        changes.announce(Changes.Kind.WEBHOOKS, job.tenantId);
    }

    private String payload(String type, OffsetDateTime at, Object data) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("timestamp", at.toInstant().toString());
        body.put("data", data);
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a job's view could not be written as JSON", e);
        }
    }
}
