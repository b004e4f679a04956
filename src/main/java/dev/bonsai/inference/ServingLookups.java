package dev.bonsai.inference;

import dev.bonsai.model.ModelService;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What recent predictions looked up about a tenant's model and variant (two database reads and
 * the variant's settings), kept for a short time so that a stream of predictions does not read
 * them again each time. Keys carry the tenant, so an entry never answers another tenant.
 */
final class ServingLookups {

    /** A resolved variant and how to load it. */
    record Lookup(ModelService.ServingInfo serving, SessionCache.VariantSource source) {
    }

    private record Entry(Lookup lookup, long expiresAt) {
    }

    private static final int MAX_ENTRIES = 10_000;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;

    ServingLookups(java.time.Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    static String key(String tenantId, String modelId, String variant) {
        return tenantId + '/' + modelId + '/' + (variant == null ? "original" : variant);
    }

    Lookup get(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (System.nanoTime() - entry.expiresAt() > 0) {
            entries.remove(key, entry);
            return null;
        }
        return entry.lookup();
    }

    void put(String key, Lookup lookup) {
        if (ttlNanos <= 0) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(key, new Entry(lookup, System.nanoTime() + ttlNanos));
    }

    /** Every entry of a model: it was deleted, or what it serves changed. */
    void forget(String modelId) {
        entries.values().removeIf(entry -> entry.lookup().serving().modelId().equals(modelId));
    }
}
