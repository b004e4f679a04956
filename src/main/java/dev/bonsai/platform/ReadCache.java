package dev.bonsai.platform;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
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

    private record Entry<V>(V value, long expiresAt) {
    }

    private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final long ttlNanos;
    private final int maxEntries;

    public ReadCache(Duration ttl, int maxEntries) {
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
    }

    /** Take before reading what will be {@link #put}. */
    public long generation() {
        return generation.get();
    }

    /** The value, if there is a fresh one and {@code trusted} (changes are being heard). */
    public V get(K key, boolean trusted) {
        if (!trusted) {
            return null;
        }
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (System.nanoTime() - entry.expiresAt() > 0) {
            entries.remove(key, entry);
            return null;
        }
        return entry.value();
    }

    /** Keeps a value read from the database after {@code readGeneration} was taken. */
    public void put(K key, V value, long readGeneration) {
        if (ttlNanos <= 0) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Entry<V> entry = new Entry<>(value, System.nanoTime() + ttlNanos);
        entries.put(key, entry);
        if (generation.get() != readGeneration) {
            entries.remove(key, entry);
        }
    }

    /** Drops the values a change affects. */
    public void removeIf(Predicate<V> affected) {
        generation.incrementAndGet();
        entries.values().removeIf(entry -> affected.test(entry.value()));
    }

    public void clear() {
        generation.incrementAndGet();
        entries.clear();
    }
}
