package dev.bonsai.job;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.LongFunction;

/**
 * Live event streams (SSE) of jobs of any kind: each stream polls for new events on its own thread
 * and completes once the job has ended and every event was sent. The number of open streams is
 * bounded; beyond it a stream is refused with 503 and Retry-After.
 */
@ApplicationScoped
public class EventStreams {

    /** Events after some id, and whether the job had ended before they were read. */
    public record Snapshot(boolean finished, List<JobEvent> events) {
    }

    /** How often a live event stream looks for new events. */
    private static final long POLL_MILLIS = 300;
    /** Live streams one server keeps open at once. */
    private static final int MAX_STREAMS = 256;
    private final Semaphore slots = new Semaphore(MAX_STREAMS);
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "job-event-stream");
        thread.setDaemon(true);
        return thread;
    });

    /** @param after reads the events after an id in its own transaction */
    public Multi<JobEvent> stream(LongFunction<Snapshot> after) {
        if (!slots.tryAcquire()) {
            throw new ProblemException(ProblemType.UNAVAILABLE, "Too many live event streams on this server; read the"
                    + " events page instead or retry shortly.", List.of(), Map.of(), Map.of("Retry-After", "5"));
        }
        return Multi.createFrom().emitter(emitter -> threads.submit(() -> {
            long last = 0;
            try {
                while (!emitter.isCancelled()) {
                    Snapshot snapshot = after.apply(last);
                    for (JobEvent event : snapshot.events()) {
                        emitter.emit(event);
                        last = event.id();
                    }
                    if (snapshot.finished() && snapshot.events().isEmpty()) {
                        emitter.complete();
                        return;
                    }
                    if (snapshot.events().isEmpty()) {
                        Thread.sleep(POLL_MILLIS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.fail(e);
            } finally {
                slots.release();
            }
        }));
    }
}
