package dev.bonsai.inference;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.model.VariantGraphs;
import dev.bonsai.platform.BonsaiConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime sessions (with tokenizers) per variant, least recently used first out, under a
 * memory budget counted in model bytes. An evicted session is closed as soon as the requests
 * using it finish. Safe under concurrency: loading happens outside the lock, and two requests
 * racing to load the same variant keep one session and close the other.
 */
@ApplicationScoped
public class SessionCache {

    /** What is needed to load a variant. */
    record VariantSource(String variantId, String sha256, long bytes, BaseModel baseModel, int maxSequenceLength,
            List<String> labels, String tokenizerSha256) {
    }

    @Inject
    BlobStore blobs;

    @Inject
    VariantGraphs graphs;

    @Inject
    BonsaiConfig config;

    @Inject
    MeterRegistry registry;

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SessionCache.class);
    /** How long closing waits for sessions being created: loading one takes seconds. */
    static final java.time.Duration SHUTDOWN_WAIT = java.time.Duration.ofSeconds(60);

    private final NativeWork loading = new NativeWork();
    private final LinkedHashMap<String, LoadedVariant> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long residentBytes;
    private Counter hits;
    private Counter misses;
    private Counter evictions;

    @PostConstruct
    void meters() {
        hits = registry.counter("bonsai.inference.cache.requests", "result", "hit");
        misses = registry.counter("bonsai.inference.cache.requests", "result", "miss");
        evictions = registry.counter("bonsai.inference.cache.evictions");
        Gauge.builder("bonsai.inference.cache.resident.bytes", this, cache -> cache.residentBytes()).register(registry);
        Gauge.builder("bonsai.inference.queue.depth", this, cache -> cache.queueDepth())
                .description("Prediction requests running or waiting on loaded variants").register(registry);
    }

    /** A held variant; the caller must {@link LoadedVariant#release()} it. */
    LoadedVariant acquire(VariantSource source) {
        synchronized (this) {
            LoadedVariant cached = entries.get(source.variantId());
            if (cached != null && cached.acquire()) {
                hits.increment();
                return cached;
            }
        }
        misses.increment();
        LoadedVariant loaded = load(source);
        synchronized (this) {
            LoadedVariant raced = entries.get(source.variantId());
            if (raced != null && raced.acquire()) {
                loaded.evict();
                return raced;
            }
            loaded.acquire();
            entries.put(source.variantId(), loaded);
            residentBytes += loaded.bytes;
            trim(config.inference().cacheBudget().asLongValue(), source.variantId());
            return loaded;
        }
    }

    synchronized long residentBytes() {
        return residentBytes;
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized boolean contains(String variantId) {
        return entries.containsKey(variantId);
    }

    /** Drops a variant (its model was deleted). */
    synchronized void invalidate(String variantId) {
        LoadedVariant removed = entries.remove(variantId);
        if (removed != null) {
            residentBytes -= removed.bytes;
            removed.evict();
        }
    }

    /** Evicts least recently used variants until at most {@code budget} bytes remain, sparing {@code keep}. */
    synchronized void trim(long budget, String keep) {
        Iterator<Map.Entry<String, LoadedVariant>> oldest = entries.entrySet().iterator();
        while (residentBytes > budget && oldest.hasNext()) {
            Map.Entry<String, LoadedVariant> entry = oldest.next();
            if (entry.getKey().equals(keep)) {
                continue;
            }
            oldest.remove();
            residentBytes -= entry.getValue().bytes;
            entry.getValue().evict();
            evictions.increment();
        }
    }

    private LoadedVariant load(VariantSource source) {
        return loading.run(() -> open(source));
    }

    private LoadedVariant open(VariantSource source) {
        byte[] graph;
        try (InputStream in = graphs.open(source.sha256())) {
            graph = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read variant " + source.variantId(), e);
        }
        byte[] tokenizer;
        try (InputStream json = source.tokenizerSha256() != null ? blobs.open(source.tokenizerSha256())
                : Thread.currentThread().getContextClassLoader().getResourceAsStream(source.baseModel().tokenizerResource())) {
            tokenizer = json.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the tokenizer of variant " + source.variantId(), e);
        }
        return new LoadedVariant(source.variantId(), source.labels(), source.bytes(), ClassifierRunner.open(graph,
                tokenizer, source.maxSequenceLength(), config.engine().intraOpThreads()),
                config.inference().maxQueuedPerVariant());
    }

    /** Requests running or waiting on all loaded variants. */
    synchronized long queueDepth() {
        int max = config.inference().maxQueuedPerVariant();
        return entries.values().stream().mapToLong(variant -> variant.queued(max)).sum();
    }

    /** Waits for sessions being created (outside the lock, which they take to be stored), then closes every session. */
    @PreDestroy
    void closeAll() {
        if (!loading.closeAndAwait(SHUTDOWN_WAIT)) {
            LOG.warnf("%d session(s) were still being created after %s; closing the others.", loading.running(), SHUTDOWN_WAIT);
        }
        synchronized (this) {
            entries.values().forEach(LoadedVariant::evict);
            entries.clear();
            residentBytes = 0;
        }
    }

    /** Sessions being created, which closing waits for. */
    NativeWork loading() {
        return loading;
    }
}
