package dev.bonsai.tenant;

import dev.bonsai.platform.Changes;
import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@ApplicationScoped
@Transactional
public class TenantService {

    /** {@code predictionRateLimit} is the tenant's own limit, null when it has the service default. */
    public record Tenant(String id, String name, OffsetDateTime createdAt,
            @Schema(nullable = true) RateLimit predictionRateLimit) {

        static Tenant of(TenantEntity entity) {
            return new Tenant(entity.id, entity.name, entity.createdAt, entity.predictionsPerSecond == null ? null
                    : new RateLimit(entity.predictionsPerSecond, entity.predictionBurst));
        }
    }

    /** A token bucket: {@code burst} requests at once, refilled at {@code requestsPerSecond}. */
    public record RateLimit(
            @jakarta.validation.constraints.NotNull @jakarta.validation.constraints.DecimalMin("0.01")
            @jakarta.validation.constraints.DecimalMax("100000") Double requestsPerSecond,
            @jakarta.validation.constraints.NotNull @jakarta.validation.constraints.Min(1)
            @jakarta.validation.constraints.Max(100000) Integer burst) {
    }

    @Inject
    Changes changes;

    /** A new tenant with its first API key, whose secret is shown only in this answer. */
    public record CreatedTenant(String id, String name, OffsetDateTime createdAt, ApiKeyService.CreatedApiKey apiKey) {
    }

    @Inject
    ApiKeyService apiKeys;

    public CreatedTenant create(String name) {
        TenantEntity tenant = new TenantEntity();
        tenant.id = Ids.next("ten");
        tenant.name = name.strip();
        tenant.createdAt = ApiKeyService.now();
        tenant.persist();
        ApiKeyService.CreatedApiKey key = apiKeys.create(tenant.id, "default");
        return new CreatedTenant(tenant.id, tenant.name, tenant.createdAt, key);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<Tenant> list(Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        var rows = TenantEntity.<TenantEntity>find("seq < ?1 order by seq desc", below).page(0, pageSize + 1).list();
        return Cursor.page(rows, pageSize, row -> row.seq, Tenant::of);
    }

    /** Sets the tenant's own prediction rate limit, or back to the service default with null. */
    public Tenant setPredictionRateLimit(String id, RateLimit limit) {
        TenantEntity tenant = TenantEntity.<TenantEntity>findByIdOptional(id)
                .orElseThrow(() -> ProblemException.notFound("tenant", id));
        tenant.predictionsPerSecond = limit == null ? null : limit.requestsPerSecond();
        tenant.predictionBurst = limit == null ? null : limit.burst();
        changes.announce(Changes.Kind.LIMITS, id);
        return Tenant.of(tenant);
    }

    /** The tenant's own prediction rate limit, if it has one. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public java.util.Optional<RateLimit> predictionRateLimit(String id) {
        return TenantEntity.<TenantEntity>findByIdOptional(id).map(Tenant::of).map(Tenant::predictionRateLimit);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Tenant get(String id) {
        return TenantEntity.<TenantEntity>findByIdOptional(id).map(Tenant::of)
                .orElseThrow(() -> ProblemException.notFound("tenant", id));
    }
}
