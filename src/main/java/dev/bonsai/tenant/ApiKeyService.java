package dev.bonsai.tenant;

import dev.bonsai.platform.Changes;
import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@ApplicationScoped
@Transactional
public class ApiKeyService {

    @Inject
    Changes changes;

    /** lastUsedAt is written at most this often per key, so reads do not each cost a write. */
    static final Duration LAST_USED_RESOLUTION = Duration.ofSeconds(60);

    /** Who a valid key belongs to. */
    public record Principal(boolean admin, String tenantId) {
    }

    /** A key as listed; never carries the secret. */
    public record ApiKey(String id, String name, String prefix, OffsetDateTime createdAt,
            @Schema(nullable = true) OffsetDateTime lastUsedAt, @Schema(nullable = true) OffsetDateTime revokedAt) {

        static ApiKey of(ApiKeyEntity entity) {
            return new ApiKey(entity.id, entity.name, entity.prefix, entity.createdAt, entity.lastUsedAt,
                    entity.revokedAt);
        }
    }

    /** A key just created: the only time its secret is shown. */
    public record CreatedApiKey(String id, String name, String prefix, OffsetDateTime createdAt, String secret) {
    }

    /** Tenant keys are looked up first: they make nearly every request. */
    public Optional<Principal> authenticate(String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        String hash = Secrets.sha256(secret);
        OffsetDateTime now = now();
        ApiKeyEntity key = ApiKeyEntity.find("keyHash = ?1 and revokedAt is null", hash).firstResult();
        if (key != null) {
            if (stale(key.lastUsedAt, now)) {
                key.lastUsedAt = now;
            }
            return Optional.of(new Principal(false, key.tenantId));
        }
        AdminKeyEntity admin = AdminKeyEntity.find("keyHash", hash).firstResult();
        if (admin != null) {
            if (stale(admin.lastUsedAt, now)) {
                admin.lastUsedAt = now;
            }
            return Optional.of(new Principal(true, null));
        }
        return Optional.empty();
    }

    public CreatedApiKey create(String tenantId, String name) {
        String secret = Secrets.newTenantKey();
        ApiKeyEntity key = new ApiKeyEntity();
        key.id = Ids.next("key");
        key.tenantId = tenantId;
        key.name = name == null || name.isBlank() ? "default" : name.strip();
        key.prefix = Secrets.visiblePrefix(secret);
        key.keyHash = Secrets.sha256(secret);
        key.createdAt = now();
        key.persist();
        return new CreatedApiKey(key.id, key.name, key.prefix, key.createdAt, secret);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<ApiKey> list(String tenantId, Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        var rows = ApiKeyEntity.<ApiKeyEntity>find("tenantId = ?1 and seq < ?2 order by seq desc", tenantId, below)
                .page(0, pageSize + 1).list();
        return Cursor.page(rows, pageSize, row -> row.seq, ApiKey::of);
    }

    /** Revokes a key at once; revoking twice is harmless. */
    public ApiKey revoke(String tenantId, String keyId) {
        ApiKeyEntity key = ApiKeyEntity.<ApiKeyEntity>find("id = ?1 and tenantId = ?2", keyId, tenantId)
                .firstResultOptional()
                .orElseThrow(() -> ProblemException.notFound("API key", keyId));
        if (key.revokedAt == null) {
            key.revokedAt = now();
            changes.announce(Changes.Kind.KEYS, tenantId);
        }
        return ApiKey.of(key);
    }

    private static boolean stale(OffsetDateTime lastUsedAt, OffsetDateTime now) {
        return lastUsedAt == null || lastUsedAt.plus(LAST_USED_RESOLUTION).isBefore(now);
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
