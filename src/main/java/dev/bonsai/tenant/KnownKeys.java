package dev.bonsai.tenant;

import dev.bonsai.platform.Changes;
import dev.bonsai.platform.ReadCache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * API keys recently found valid, by their hash, so that a tenant's stream of requests is not one
 * database read each. An entry lasts as long as a key's {@code lastUsedAt} resolution, so reads
 * still record use that often; a revoked key is forgotten at once on every replica ({@link
 * Changes}). Only tenant keys are kept: the admin key is read every time. Unknown keys are not kept.
 */
@ApplicationScoped
public class KnownKeys {

    private final ReadCache<String, ApiKeyService.Principal> valid = new ReadCache<>(ApiKeyService.LAST_USED_RESOLUTION,
            100_000);

    @Inject
    ApiKeyService keys;

    @Inject
    Changes changes;

    public Optional<ApiKeyService.Principal> authenticate(String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        String hash = Secrets.sha256(secret);
        ApiKeyService.Principal known = valid.get(hash, changes.listening());
        if (known != null) {
            return Optional.of(known);
        }
        long generation = valid.generation();
        Optional<ApiKeyService.Principal> principal = keys.authenticate(secret);
        principal.filter(found -> !found.admin()).ifPresent(found -> valid.put(hash, found, generation));
        return principal;
    }

    void changed(@Observes(during = TransactionPhase.AFTER_SUCCESS) Changes.Change change) {
        switch (change.kind()) {
            case KEYS -> valid.removeIf(principal -> change.id().equals(principal.tenantId()));
            case EVERYTHING -> valid.clear();
            default -> { }
        }
    }
}
