package dev.bonsai.inference;

import dev.bonsai.engine.runtime.ClassifierRunner;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One variant ready to answer: its ONNX Runtime session and tokenizer ({@link ClassifierRunner}).
 * Owned by {@link SessionCache}: it is closed when evicted, but only once no request holds it any
 * more.
 */
final class LoadedVariant {

    /** Outputs of one batch. */
    record Output(float[][] probabilities, float[][] embeddings, int tokens) {
    }

    final String variantId;
    final List<String> labels;
    final long bytes;
    private final ClassifierRunner runner;
    /** Requests running or waiting on this variant's session; bounded to refuse floods early. */
    private final java.util.concurrent.Semaphore queue;
    private final AtomicInteger holders = new AtomicInteger(1);
    private volatile boolean evicted;

    LoadedVariant(String variantId, List<String> labels, long bytes, ClassifierRunner runner, int maxQueued) {
        this.variantId = variantId;
        this.labels = labels;
        this.bytes = bytes;
        this.runner = runner;
        this.queue = new java.util.concurrent.Semaphore(maxQueued);
    }

    /** A place among the requests running or waiting on this variant; false when it is full. */
    boolean enterQueue() {
        return queue.tryAcquire();
    }

    void leaveQueue() {
        queue.release();
    }

    /** Requests running or waiting on this variant now. */
    int queued(int maxQueued) {
        return maxQueued - queue.availablePermits();
    }

    /** Takes a hold for one request; false when it is already being closed. */
    boolean acquire() {
        while (true) {
            int current = holders.get();
            if (current == 0) {
                return false;
            }
            if (holders.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (holders.decrementAndGet() == 0) {
            close();
        }
    }

    /** Called once by the cache; the native resources go when the last request releases them. */
    void evict() {
        if (!evicted) {
            evicted = true;
            release();
        }
    }

    boolean isClosed() {
        return holders.get() == 0;
    }

    Output run(List<String> texts) {
        ClassifierRunner.Output output = runner.run(texts);
        return new Output(output.probabilities(), output.embeddings(), output.tokens());
    }

    private void close() {
        try {
            runner.close();
        } catch (IllegalStateException e) {
            // closing releases native memory; a failure leaves nothing to retry
        }
    }
}
