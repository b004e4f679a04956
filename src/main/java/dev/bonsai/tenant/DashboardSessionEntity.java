package dev.bonsai.tenant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A dashboard sign-in: the cookie carries the token, of which only the SHA-256 is stored. */
@Entity
@Table(name = "dashboard_sessions")
public class DashboardSessionEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Column(name = "token_hash")
    public String tokenHash;

    @Column(name = "tenant_id")
    public String tenantId;

    @Column(name = "api_key_id")
    public String apiKeyId;

    @Column(name = "csrf_token")
    public String csrfToken;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "expires_at")
    public OffsetDateTime expiresAt;
}
