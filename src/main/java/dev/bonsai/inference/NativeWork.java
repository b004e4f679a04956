package dev.bonsai.inference;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Sessions being created, which a shutting-down server waits for before it closes sessions and
 * exits: a process that exits while a thread is inside ONNX Runtime's session creation crashes in
 * native code (seen as a SIGBUS in {@code OrtSession.createSession} when an API replica was stopped
 * while it loaded a model just created). Once closed, new work is refused with a 503.
 */
final class NativeWork {

    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;

    <T> T run(Supplier<T> work) {
        running.incrementAndGet();
        try {
            // Counted before the check, so that close() either sees this work or this work sees close().
            if (closed) {
                throw new ProblemException(ProblemType.UNAVAILABLE, "The server is shutting down; retry on another replica.",
                        List.of(), Map.of(), Map.of("Retry-After", "1"));
            }
            return work.get();
        } finally {
            if (running.decrementAndGet() == 0) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }
    }

    /** Refuses new work and waits, up to {@code max}, for the work under way; true when none is left. */
    boolean closeAndAwait(Duration max) {
        closed = true;
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (this) {
            while (running.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    int running() {
        return running.get();
    }
}
