package dev.bonsai.inference;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.ClassifierGraph;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.train.SoftmaxHead;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Serves models trained with the {@code head} method through one encoder session per base model
 * and length, shared by every tenant: their graphs differ only in the head, so the encoder runs
 * once for the rows of many requests and each request's own head is applied to its rows.
 * Concurrent requests are batched dynamically: a batch takes what is queued and, when the previous
 * batch served more than one request (so callers are concurrent), waits up to {@code maxWait} for
 * more, closing at {@code maxBatchSize} rows. A lone caller, even one sending request after request,
 * is never held back: while nothing else is queued or running, it runs the encoder on its own
 * thread. Each encoder's queue is bounded; a full queue answers 503 with Retry-After.
 */
@ApplicationScoped
public class SharedEncoders {

    private static final Logger LOG = Logger.getLogger(SharedEncoders.class);
    private static final int MAX_HEADS = 10_000;

    @Inject
    BonsaiConfig config;

    @Inject
    BlobStore blobs;

    @Inject
    MeterRegistry registry;

    private final Map<String, Batcher> batchers = new ConcurrentHashMap<>();
    /** Encoders being opened, which stopping waits for. */
    private final NativeWork opening = new NativeWork();
    private final Map<String, SoftmaxHead> heads = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SoftmaxHead> eldest) {
            return size() > MAX_HEADS;
        }
    });

    /** Embeddings and token counts of one request's texts. */
    record Embedded(float[][] embeddings, int tokens) {
    }

    /**
     * The head of a head-method variant: read once from its own small blob, or from its graph for
     * a model stored without one.
     */
    SoftmaxHead head(String variantId, String graphSha256, String headSha256) {
        SoftmaxHead head = heads.get(variantId);
        if (head == null) {
            try (InputStream in = blobs.open(headSha256 != null ? headSha256 : graphSha256)) {
                head = headSha256 != null ? SoftmaxHead.fromBytes(in.readAllBytes())
                        : ClassifierGraph.split(in.readAllBytes()).head();
            } catch (IOException e) {
                throw new UncheckedIOException("could not read variant " + variantId, e);
            }
            heads.put(variantId, head);
        }
        return head;
    }

    boolean hasHead(String variantId) {
        return heads.containsKey(variantId);
    }

    void forget(String variantId) {
        heads.remove(variantId);
    }

    /** Pooled, normalised embeddings of {@code texts} from the shared encoder, batched with other requests. */
    Embedded embed(BaseModel model, int maxLength, List<String> texts) {
        Batcher batcher = batchers.computeIfAbsent(model.id() + "/" + maxLength,
                key -> opening.run(() -> new Batcher(model, maxLength)));
        Embedded alone = batcher.runIfIdle(texts);
        if (alone != null) {
            return alone;
        }
        Job job = new Job(texts, new CompletableFuture<>());
        if (!batcher.queue.offer(job)) {
            registry.counter("bonsai.predictions.rejected", "reason", "overloaded").increment();
            throw new ProblemException(ProblemType.UNAVAILABLE, "The shared " + model.id() + " encoder has "
                    + batcher.queue.size() + " requests waiting; retry shortly.", List.of(), Map.of(),
                    Map.of("Retry-After", "1"));
        }
        try {
            return job.result.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the encoder", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the shared encoder failed", e.getCause());
        } catch (TimeoutException e) {
            throw new ProblemException(ProblemType.UNAVAILABLE, "The shared encoder did not answer in time; retry shortly.",
                    List.of(), Map.of(), Map.of("Retry-After", "5"));
        }
    }

    /** Waits for encoders being opened (a process must not exit inside ONNX Runtime), then stops every batcher. */
    @PreDestroy
    void stop() {
        opening.closeAndAwait(SessionCache.SHUTDOWN_WAIT);
        batchers.values().forEach(Batcher::stop);
    }

    private record Job(List<String> texts, CompletableFuture<Embedded> result) {
    }

    /** One shared encoder session, its bounded queue and the thread that batches it. */
    private final class Batcher implements Runnable {
        final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(config.inference().maxQueuedPerEncoder());
        private final Encoder encoder;
        private final Thread thread;
        private final DistributionSummary rows;
        private final DistributionSummary requests;
        private volatile boolean running = true;
        /** Requests in the last batch: more than one means callers are concurrent. */
        private volatile int lastBatchRequests;
        /** Held while the encoder runs, by this thread or by a caller running it itself. */
        private final ReentrantLock encoding = new ReentrantLock();

        Batcher(BaseModel model, int maxLength) {
            encoder = Encoder.open(model, new Encoder.Options(config.engine().intraOpThreads(),
                    config.inference().maxBatchSize(), maxLength));
            rows = registry.summary("bonsai.inference.shared.batch.rows", "model", model.id());
            requests = registry.summary("bonsai.inference.shared.batch.requests", "model", model.id());
            Gauge.builder("bonsai.inference.shared.queue.depth", queue, BlockingQueue::size).tag("model", model.id())
                    .register(registry);
            thread = new Thread(this, "shared-encoder-" + model.id() + "-" + maxLength);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            long maxWait = config.inference().maxWait().toNanos();
            int maxRows = config.inference().maxBatchSize();
            while (running) {
                List<Job> batch = new ArrayList<>();
                try {
                    Job first = queue.poll(1, TimeUnit.SECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    int count = first.texts().size();
                    // Wait for more only when callers are concurrent: a sequential caller's next request
                    // arrives soon after the last but never while its own is running, so waiting
                    // would only delay it. A lone request runs at once, with whatever is queued.
                    boolean busy = lastBatchRequests > 1 || !queue.isEmpty();
                    long deadline = busy ? System.nanoTime() + maxWait : 0;
                    while (count < maxRows) {
                        long left = deadline - System.nanoTime();
                        Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                        if (next == null) {
                            break;
                        }
                        batch.add(next);
                        count += next.texts().size();
                    }
                    lastBatchRequests = batch.size();
                    encoding.lock();
                    try {
                        run(batch, count);
                    } finally {
                        encoding.unlock();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    batch.forEach(job -> job.result().completeExceptionally(e));
                    return;
                } catch (RuntimeException e) {
                    LOG.errorf(e, "Shared encoder batch failed");
                    batch.forEach(job -> job.result().completeExceptionally(e));
                }
            }
        }

        /**
         * Runs a request on the caller's thread when nothing else is waiting or running and callers
         * have not been concurrent: a lone caller then skips two thread hand-offs. Null otherwise.
         */
        Embedded runIfIdle(List<String> texts) {
            if (lastBatchRequests > 1 || !queue.isEmpty() || !encoding.tryLock()) {
                return null;
            }
            try {
                if (!queue.isEmpty()) {
                    return null;
                }
                int[] counts = new int[texts.size()];
                float[][] embeddings = encoder.embed(texts, counts);
                rows.record(texts.size());
                requests.record(1);
                lastBatchRequests = 1;
                return new Embedded(embeddings, java.util.Arrays.stream(counts).sum());
            } finally {
                encoding.unlock();
            }
        }

        private void run(List<Job> batch, int count) {
            List<String> texts = new ArrayList<>(count);
            batch.forEach(job -> texts.addAll(job.texts()));
            int[] counts = new int[texts.size()];
            float[][] embeddings = encoder.embed(texts, counts);
            rows.record(count);
            requests.record(batch.size());
            int from = 0;
            for (Job job : batch) {
                int n = job.texts().size();
                int tokens = 0;
                for (int i = from; i < from + n; i++) {
                    tokens += counts[i];
                }
                float[][] slice = new float[n][];
                System.arraycopy(embeddings, from, slice, 0, n);
                job.result().complete(new Embedded(slice, tokens));
                from += n;
            }
        }

        void stop() {
            running = false;
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            encoder.close();
        }
    }
}
