package dev.bonsai.webhook;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A tenant's webhook endpoints and their delivery logs. Another tenant's endpoint is a 404. */
@ApplicationScoped
@Transactional
public class WebhookService {

    static final int MAX_DESCRIPTION = 500;
    /** How long the previous secret still signs after a rotation. */
    static final java.time.Duration ROTATION_GRACE = java.time.Duration.ofHours(24);

    @Inject
    BonsaiConfig config;

    @Inject
    WebhookSecrets secrets;

    @Inject
    WebhookOutbox outbox;

    /** An endpoint as shown; never its secret. */
    public record WebhookEndpoint(String id, String url, @Schema(nullable = true) String description, List<String> events,
            @Schema(description = "False when its tenant turned it off, or after every attempt failed for a delivery's"
                    + " whole retry window (then disabledReason says so); deliveries wait meanwhile")
            boolean enabled,
            @Schema(nullable = true) String disabledReason,
            @Schema(description = "Failed attempts since the last one that succeeded") int consecutiveFailures,
            @Schema(nullable = true) OffsetDateTime lastSuccessAt, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

        static WebhookEndpoint of(WebhookEndpointEntity row) {
            return new WebhookEndpoint(row.id, row.url, row.description, List.copyOf(row.events), row.enabled, row.disabledReason,
                    row.consecutiveFailures, row.lastSuccessAt, row.createdAt, row.updatedAt);
        }
    }

    /** An endpoint just created: the only time its signing secret is shown. */
    public record CreatedWebhookEndpoint(String id, String url, @Schema(nullable = true) String description, List<String> events,
            boolean enabled, OffsetDateTime createdAt,
            @Schema(description = "The Standard Webhooks signing secret (whsec_...), shown only now") String secret) {
    }

    /** One event for the endpoint and how its last attempt went. */
    public record WebhookDelivery(String id,
            @Schema(description = "The event's id, sent as webhook-id: the same for every attempt") String eventId,
            String eventType,
            @Schema(enumeration = {"pending", "delivered", "failed"},
                    description = "failed: given up after its retry window") String status,
            int attempts,
            @Schema(nullable = true, description = "The HTTP status the last attempt was answered with") Integer responseStatus,
            @Schema(nullable = true, description = "How long the last attempt took, in milliseconds") Integer latencyMs,
            @Schema(nullable = true) String lastError,
            OffsetDateTime createdAt,
            @Schema(nullable = true) OffsetDateTime lastAttemptAt,
            @Schema(nullable = true, description = "When it is tried next, while pending") OffsetDateTime nextAttemptAt,
            @Schema(nullable = true) OffsetDateTime deliveredAt) {

        static WebhookDelivery of(WebhookDeliveryEntity row) {
            return new WebhookDelivery(row.id, row.eventId, row.eventType, row.status, row.attempts, row.responseStatus,
                    row.latencyMs, row.lastError, row.createdAt, row.lastAttemptAt,
                    row.status.equals("pending") ? row.nextAttemptAt : null, row.deliveredAt);
        }
    }

    public CreatedWebhookEndpoint create(String tenantId, String url, List<String> events, String description, Boolean enabled) {
        checkUrl(url);
        List<String> chosen = events(events);
        String shownDescription = description(description);
        if (WebhookEndpointEntity.count("tenantId", tenantId) >= config.webhooks().maxEndpoints()) {
            throw new ProblemException(ProblemType.CONFLICT, "The tenant already has " + config.webhooks().maxEndpoints()
                    + " webhook endpoints, the most allowed; delete one first.");
        }
        String secret = WebhookSecrets.newSecret();
        WebhookEndpointEntity row = new WebhookEndpointEntity();
        row.id = Ids.next("whe");
        row.tenantId = tenantId;
        row.url = url.strip();
        row.description = shownDescription;
        row.events = chosen;
        row.sealedSecret = secrets.seal(row.id, secret);
        row.enabled = enabled == null || enabled;
        row.createdAt = now();
        row.updatedAt = row.createdAt;
        row.persist();
        return new CreatedWebhookEndpoint(row.id, row.url, row.description, row.events, row.enabled, row.createdAt, secret);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<WebhookEndpoint> list(String tenantId, Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        List<WebhookEndpointEntity> rows = WebhookEndpointEntity
                .<WebhookEndpointEntity>find("tenantId = ?1 and seq < ?2 order by seq desc", tenantId, below)
                .page(0, pageSize + 1).list();
        return Cursor.page(rows, pageSize, row -> row.seq, WebhookEndpoint::of);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public WebhookEndpoint get(String tenantId, String id) {
        return WebhookEndpoint.of(find(tenantId, id));
    }

    /**
     * Changes what is given (null leaves a field as it is; an empty description removes it).
     * Enabling an endpoint clears its failure count and reason, and the deliveries that waited
     * for it are tried at once; those past their retry window get one last attempt.
     */
    public WebhookEndpoint update(String tenantId, String id, String url, List<String> events, String description, Boolean enabled) {
        WebhookEndpointEntity row = find(tenantId, id);
        if (url != null) {
            checkUrl(url);
            row.url = url.strip();
        }
        if (events != null) {
            row.events = events(events);
        }
        if (description != null) {
            row.description = description(description);
        }
        if (enabled != null && enabled != row.enabled) {
            row.enabled = enabled;
            if (enabled) {
                row.disabledReason = null;
                row.consecutiveFailures = 0;
                WebhookDeliveryEntity.update("nextAttemptAt = ?1 where endpointId = ?2 and status = 'pending'", now(), row.id);
            } else {
                row.disabledReason = "Disabled by the tenant.";
            }
        }
        row.updatedAt = now();
        return WebhookEndpoint.of(row);
    }

    /**
     * Gives the endpoint a new signing secret, shown this once. For {@link #ROTATION_GRACE} deliveries
     * carry a signature with the previous secret too, so a receiver can switch without missing one.
     */
    public CreatedWebhookEndpoint rotateSecret(String tenantId, String id) {
        WebhookEndpointEntity row = find(tenantId, id);
        String secret = WebhookSecrets.newSecret();
        row.previousSealedSecret = row.sealedSecret;
        row.previousSecretExpiresAt = now().plus(ROTATION_GRACE);
        row.sealedSecret = secrets.seal(row.id, secret);
        row.updatedAt = now();
        return new CreatedWebhookEndpoint(row.id, row.url, row.description, row.events, row.enabled, row.createdAt, secret);
    }

    /** Deletes the endpoint and its delivery log; nothing more is sent to it. */
    public void delete(String tenantId, String id) {
        find(tenantId, id).delete();
    }

    /** The endpoint's deliveries, newest first. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<WebhookDelivery> deliveries(String tenantId, String id, Integer limit, String after) {
        find(tenantId, id);
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        List<WebhookDeliveryEntity> rows = WebhookDeliveryEntity
                .<WebhookDeliveryEntity>find("endpointId = ?1 and seq < ?2 order by seq desc", id, below)
                .page(0, pageSize + 1).list();
        return Cursor.page(rows, pageSize, row -> row.seq, WebhookDelivery::of);
    }

    /** The event types an endpoint may listen to. */
    public List<String> eventTypes() {
        return outbox.eventTypes();
    }

    private static WebhookEndpointEntity find(String tenantId, String id) {
        return WebhookEndpointEntity.<WebhookEndpointEntity>find("id = ?1 and tenantId = ?2", id, tenantId)
                .firstResultOptional().orElseThrow(() -> ProblemException.notFound("webhook endpoint", id));
    }

    private void checkUrl(String url) {
        WebhookTargets.problem(url == null ? null : url.strip(), config.webhooks().allowPrivateTargets())
                .ifPresent(problem -> {
                    throw ProblemException.invalidField("/url", problem);
                });
    }

    /** The event types asked for, each once in the order given; every type when none are named. */
    private List<String> events(List<String> requested) {
        List<String> known = outbox.eventTypes();
        if (requested == null) {
            return known;
        }
        if (requested.isEmpty()) {
            throw ProblemException.invalidField("/events", "Name at least one event type, or leave events out for all of"
                    + " them: " + String.join(", ", known) + ".");
        }
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            String type = requested.get(i);
            if (type == null || !known.contains(type)) {
                throw ProblemException.invalidField("/events/" + i, "Unknown event type" + (type == null ? "" : " '"
                        + type + "'") + "; the event types are " + String.join(", ", known) + ".");
            }
            chosen.add(type);
        }
        return List.copyOf(chosen);
    }

    private static String description(String description) {
        if (description == null || description.isBlank()) {
            return null;
        }
        if (description.length() > MAX_DESCRIPTION) {
            throw ProblemException.invalidField("/description", "The description is longer than " + MAX_DESCRIPTION
                    + " characters.");
        }
        return description.strip();
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
