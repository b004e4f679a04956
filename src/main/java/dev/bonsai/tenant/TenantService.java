package dev.bonsai.tenant;

import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;

@ApplicationScoped
@Transactional
public class TenantService {

    public record Tenant(String id, String name, OffsetDateTime createdAt) {

        static Tenant of(TenantEntity entity) {
            return new Tenant(entity.id, entity.name, entity.createdAt);
        }
    }

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

    @Transactional(Transactional.TxType.SUPPORTS)
    public Tenant get(String id) {
        return TenantEntity.<TenantEntity>findByIdOptional(id).map(Tenant::of)
                .orElseThrow(() -> ProblemException.notFound("tenant", id));
    }
}
