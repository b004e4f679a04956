package dev.bonsai.inference;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Changes;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import dev.bonsai.tenant.TenantService;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant token buckets for predictions, on this replica: a tenant may make {@code burst}
 * requests at once and {@code requestsPerSecond} sustained; beyond that it gets 429 with the
 * seconds until a token is back in Retry-After. A tenant's own limit (set by an administrator)
 * replaces the service default. It is read again when it changes on any replica ({@link Changes}),
 * and besides every {@value #LIMIT_REFRESH_MILLIS} ms, or every {@value #UNHEARD_LIMIT_REFRESH_MILLIS}
 * ms while changes are not being heard.
 */
@ApplicationScoped
public class RateLimiter {

    static final long LIMIT_REFRESH_MILLIS = 300_000;
    static final long UNHEARD_LIMIT_REFRESH_MILLIS = 10_000;

    @Inject
    Changes changes;

    @Inject
    BonsaiConfig config;

    @Inject
    TenantService tenants;

    @Inject
    MeterRegistry registry;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Takes a token for one request of {@code tenantId}, or answers 429. */
    public void acquire(String tenantId) {
        Bucket bucket = buckets.compute(tenantId, (id, existing) -> {
            long now = System.nanoTime();
            long refresh = changes.listening() ? LIMIT_REFRESH_MILLIS : UNHEARD_LIMIT_REFRESH_MILLIS;
            if (existing == null || now - existing.limitReadAt > refresh * 1_000_000) {
                TenantService.RateLimit limit = tenants.predictionRateLimit(id).orElse(
                        new TenantService.RateLimit(config.inference().requestsPerSecond(), config.inference().burst()));
                return existing == null ? new Bucket(limit, now) : existing.withLimit(limit, now);
            }
            return existing;
        });
        double wait = bucket.take();
        if (wait > 0) {
            registry.counter("bonsai.predictions.rejected", "reason", "rate_limited").increment();
            long seconds = Math.max(1, (long) Math.ceil(wait));
            throw new ProblemException(ProblemType.RATE_LIMITED, "This tenant's prediction rate limit ("
                    + bucket.limit.requestsPerSecond() + " requests per second, bursts of " + bucket.limit.burst()
                    + ") is used up; retry in " + seconds + " s.", List.of(), Map.of(),
                    Map.of("Retry-After", Long.toString(seconds)));
        }
    }

    void changed(@Observes(during = TransactionPhase.AFTER_SUCCESS) Changes.Change change) {
        switch (change.kind()) {
            case LIMITS -> buckets.remove(change.id());
            case EVERYTHING -> buckets.clear();
            default -> { }
        }
    }

    /** One tenant's bucket; {@link #take} is synchronised on it. */
    private static final class Bucket {
        final TenantService.RateLimit limit;
        final long limitReadAt;
        private double tokens;
        private long refilledAt;

        Bucket(TenantService.RateLimit limit, long now) {
            this.limit = limit;
            this.limitReadAt = now;
            this.tokens = limit.burst();
            this.refilledAt = now;
        }

        Bucket withLimit(TenantService.RateLimit newLimit, long now) {
            Bucket bucket = new Bucket(newLimit, now);
            synchronized (this) {
                refill(now);
                bucket.tokens = Math.min(tokens, newLimit.burst());
            }
            return bucket;
        }

        /** 0 when a token was taken, else the seconds until one will be there. */
        synchronized double take() {
            refill(System.nanoTime());
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (1 - tokens) / limit.requestsPerSecond();
        }

        private void refill(long now) {
            tokens = Math.min(limit.burst(), tokens + (now - refilledAt) / 1e9 * limit.requestsPerSecond());
            refilledAt = now;
        }
    }
}
