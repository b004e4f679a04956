package dev.bonsai.webhook;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.Generated;

/**
 * One event for one endpoint: the outbox row written with the event, then the log of its
 * attempts (the last one's answer). Dispatchers change it with their own statements
 * ({@link WebhookDispatcher}); this mapping reads it.
 */
@Entity
@Table(name = "webhook_deliveries")
public class WebhookDeliveryEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "endpoint_id")
    public String endpointId;

    @Column(name = "tenant_id")
    public String tenantId;

    /** The Standard Webhooks message id ({@code webhook-id}): the same for every attempt and endpoint. */
    @Column(name = "event_id")
    public String eventId;

    @Column(name = "event_type")
    public String eventType;

    /** The body as sent and signed, byte for byte. */
    public String payload;

    /** {@code pending}, {@code delivered}, or {@code failed} (given up). */
    public String status;

    public int attempts;

    @Column(name = "next_attempt_at")
    public OffsetDateTime nextAttemptAt;

    @Column(name = "claimed_by")
    public String claimedBy;

    @Column(name = "claimed_until")
    public OffsetDateTime claimedUntil;

    @Column(name = "last_attempt_at")
    public OffsetDateTime lastAttemptAt;

    @Column(name = "response_status")
    public Integer responseStatus;

    @Column(name = "latency_ms")
    public Integer latencyMs;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "delivered_at")
    public OffsetDateTime deliveredAt;
}
