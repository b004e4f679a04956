package dev.bonsai.tenant;

import dev.bonsai.platform.Ids;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * Dashboard sign-ins. Signing in with a tenant's API key opens a session whose random token goes
 * into the browser's cookie; the key itself is never stored in the browser. A session ends on
 * sign-out, after {@link #LIFETIME}, or as soon as the key it was opened with is revoked.
 */
@ApplicationScoped
@Transactional
public class DashboardSessions {

    public static final Duration LIFETIME = Duration.ofHours(12);
    private static final int TOKEN_LENGTH = 43;

    /** A signed-in browser: whose data it sees and the token its forms must echo. */
    public record Session(String id, String tenantId, String apiKeyId, String csrfToken) {
    }

    /** A session just opened: {@code token} goes into the cookie and is not kept here. */
    public record Opened(String token, Session session) {
    }

    /** Opens a session for a tenant's key; the admin key and unknown or revoked keys are refused. */
    public Opened open(String secret) {
        String hash = Secrets.sha256(secret == null ? "" : secret.strip());
        if (AdminKeyEntity.find("keyHash", hash).firstResult() != null) {
            throw ProblemException.invalidField("/apiKey",
                    "The admin key manages tenants through the API; sign in with a tenant's API key.");
        }
        ApiKeyEntity key = ApiKeyEntity.<ApiKeyEntity>find("keyHash = ?1 and revokedAt is null", hash).firstResult();
        if (key == null) {
            throw new ProblemException(ProblemType.UNAUTHENTICATED, "The API key is not valid or has been revoked.");
        }
        OffsetDateTime now = ApiKeyService.now();
        DashboardSessionEntity.delete("expiresAt < ?1", now);
        String token = Ids.randomBase62(TOKEN_LENGTH);
        DashboardSessionEntity row = new DashboardSessionEntity();
        row.id = Ids.next("ses");
        row.tokenHash = Secrets.sha256(token);
        row.tenantId = key.tenantId;
        row.apiKeyId = key.id;
        row.csrfToken = Ids.randomBase62(TOKEN_LENGTH);
        row.createdAt = now;
        row.expiresAt = now.plus(LIFETIME);
        row.persist();
        key.lastUsedAt = now;
        return new Opened(token, new Session(row.id, row.tenantId, row.apiKeyId, row.csrfToken));
    }

    /** The live session a cookie's token belongs to, if any. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Session> find(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        DashboardSessionEntity row = DashboardSessionEntity.<DashboardSessionEntity>find("tokenHash", Secrets.sha256(token))
                .firstResult();
        if (row == null || row.expiresAt.isBefore(ApiKeyService.now())) {
            return Optional.empty();
        }
        ApiKeyEntity key = ApiKeyEntity.findById(row.apiKeyId);
        if (key == null || key.revokedAt != null) {
            return Optional.empty();
        }
        return Optional.of(new Session(row.id, row.tenantId, row.apiKeyId, row.csrfToken));
    }

    /** Ends the session of this token; ending an unknown one is harmless. */
    public void close(String token) {
        if (token != null && !token.isEmpty()) {
            DashboardSessionEntity.delete("tokenHash", Secrets.sha256(token));
        }
    }
}
