package dev.bonsai.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * What the hot paths read from the database, kept for a while and dropped when {@link Changes}
 * says it changed. Only trusted while changes are being heard; otherwise every read goes to the
 * database.
 *
 * <p>A value read while a change was being applied must not outlive it. So a reader takes
 * {@link #generation()} before reading the database and hands it to {@link #put}, and a change
 * moves the generation on before it removes entries; whichever of the two comes second undoes a
 * value read before the change.
 */
public final class ReadCache<K, V> {

    private final Cache<K, V> entries;
    private final AtomicLong generation = new AtomicLong();
    private final boolean enabled;

    /** Values are kept for {@code ttl} (none at all when it is zero), at most {@code maxEntries}, the least used going first. */
    public ReadCache(Duration ttl, int maxEntries) {
        this.enabled = ttl.toNanos() > 0;
        this.entries = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(enabled ? ttl : Duration.ofNanos(1))
                .executor(Runnable::run).build();
    }

    /** Take before reading what will be {@link #put}. */
    public long generation() {
        return generation.get();
    }

    /** The value, if there is a fresh one and {@code trusted} (changes are being heard). */
    public V get(K key, boolean trusted) {
        return trusted ? entries.getIfPresent(key) : null;
    }

    /** Keeps a value read from the database after {@code readGeneration} was taken. */
    public void put(K key, V value, long readGeneration) {
        if (!enabled) {
            return;
        }
        entries.put(key, value);
        if (generation.get() != readGeneration) {
            entries.asMap().remove(key, value);
        }
    }

    /** Drops the values a change affects. */
    public void removeIf(Predicate<V> affected) {
        generation.incrementAndGet();
        entries.asMap().values().removeIf(affected);
    }

    public void clear() {
        generation.incrementAndGet();
        entries.invalidateAll();
    }

    /** How many values are kept, once evictions due have been made. */
    long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }
}
