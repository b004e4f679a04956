package dev.bonsai.webhook;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.List;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * Where a tenant wants to hear of events, and which. Its signing secret is kept sealed with the
 * operator's key ({@link WebhookSecrets}). {@code @DynamicUpdate}: the tenant (its settings) and
 * dispatchers (its failure count) write to the same row.
 */
@Entity
@Table(name = "webhook_endpoints")
@DynamicUpdate
public class WebhookEndpointEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "tenant_id")
    public String tenantId;

    public String url;

    public String description;

    @JdbcTypeCode(SqlTypes.JSON)
    public List<String> events;

    @Column(name = "sealed_secret")
    public String sealedSecret;

    /** The secret before the last rotation, which signs too until {@link #previousSecretExpiresAt}. */
    @Column(name = "previous_sealed_secret")
    public String previousSealedSecret;

    @Column(name = "previous_secret_expires_at")
    public OffsetDateTime previousSecretExpiresAt;

    public boolean enabled;

    @Column(name = "disabled_reason")
    public String disabledReason;

    @Column(name = "consecutive_failures")
    public int consecutiveFailures;

    @Column(name = "last_success_at")
    public OffsetDateTime lastSuccessAt;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
}
