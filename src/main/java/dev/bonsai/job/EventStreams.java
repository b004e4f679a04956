package dev.bonsai.job;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /** What a live stream sends: one of the job's events, or a heartbeat after a silence. */
    public record Frame(JobEvent event) {

        static final Frame HEARTBEAT = new Frame(null);

        public boolean heartbeat() {
            return event == null;
        }
    }

    /** What the OpenAPI document says of every job kind's event stream. */
    public static final String DESCRIPTION = "Every event of the job from its first, each one server-sent event whose"
            + " id is the event's id and whose data is the JobEvent as JSON (as in the events page); the stream ends"
            + " once the job has ended and every event was sent. A client that reconnects with the Last-Event-ID"
            + " header (as browsers' EventSource does) gets the events after that one: what it missed, and nothing"
            + " twice. While nothing happens, a comment line (':heartbeat') is sent every 15 seconds (the server's"
            + " BONSAI_JOB_STREAM_HEARTBEAT) so that proxies keep the connection open. The same stream answers a GET"
            + " of the events page that accepts only text/event-stream. A server keeps at most "
            + EventStreams.MAX_STREAMS + " streams open; beyond that it answers 503 with Retry-After.";
    public static final String RESPONSE = "Per event an 'id:<event id>' line, a 'data:<JobEvent as JSON>' line and"
            + " an empty line; ':heartbeat' comment lines while the job is silent";

    /** How often a live event stream looks for new events. */
    private static final long POLL_MILLIS = 300;
    /** Live streams one server keeps open at once. */
    static final int MAX_STREAMS = 256;
    /** A stream nobody subscribed to within this time (its request failed first) gives its slot back. */
    private static final Duration SUBSCRIBE_WITHIN = Duration.ofSeconds(30);

    private final Semaphore slots = new Semaphore(MAX_STREAMS);
    private final Duration subscribeWithin;
    private final long heartbeatNanos;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "job-event-stream");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService reclaimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "job-event-stream-reclaimer");
        thread.setDaemon(true);
        return thread;
    });

    /** @param config how long a stream may be silent before it sends a heartbeat */
    @Inject
    EventStreams(BonsaiConfig config) {
        this(SUBSCRIBE_WITHIN, config.jobs().streamHeartbeat());
    }

    /**
     * @param subscribeWithin how long a stream's slot is held for a request that has not subscribed
     * @param heartbeat silence after which a stream sends a heartbeat (proxies close silent connections)
     */
    EventStreams(Duration subscribeWithin, Duration heartbeat) {
        this.subscribeWithin = subscribeWithin;
        this.heartbeatNanos = heartbeat.toNanos();
    }

    /** Slots free now, for tests and metrics. */
    int freeSlots() {
        return slots.availablePermits();
    }

    /**
     * A slot is taken here, so that a server at its limit answers 503 before the stream starts; it is
     * given back once, when the stream ends, or when nobody has subscribed to it in time.
     *
     * @param from the id of the last event the client has (0 for none): the stream starts after it
     * @param after reads the events after an id in its own transaction
     */
    public Multi<Frame> stream(long from, LongFunction<Snapshot> after) {
        if (!slots.tryAcquire()) {
            throw new ProblemException(ProblemType.UNAVAILABLE, "Too many live event streams on this server; read the"
                    + " events page instead or retry shortly.", List.of(), Map.of(), Map.of("Retry-After", "5"));
        }
        AtomicBoolean subscribed = new AtomicBoolean();
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                slots.release();
            }
        };
        reclaimer.schedule(() -> {
            if (!subscribed.get()) {
                release.run();
            }
        }, subscribeWithin.toMillis(), TimeUnit.MILLISECONDS);
        return Multi.createFrom().emitter(emitter -> threads.submit(() -> {
            subscribed.set(true);
            if (released.get()) {
                // Subscribed after its slot was reclaimed: it did not wait in line, so it does not run.
                emitter.fail(new ProblemException(ProblemType.UNAVAILABLE, "The event stream started too late; open it again."));
                return;
            }
            long last = from;
            long sent = System.nanoTime();
            try {
                while (!emitter.isCancelled()) {
                    Snapshot snapshot = after.apply(last);
                    for (JobEvent event : snapshot.events()) {
                        emitter.emit(new Frame(event));
                        last = event.id();
                        sent = System.nanoTime();
                    }
                    if (snapshot.finished() && snapshot.events().isEmpty()) {
                        emitter.complete();
                        return;
                    }
                    if (snapshot.events().isEmpty()) {
                        if (System.nanoTime() - sent >= heartbeatNanos) {
                            emitter.emit(Frame.HEARTBEAT);
                            sent = System.nanoTime();
                        }
                        Thread.sleep(Math.min(POLL_MILLIS, Math.max(1, heartbeatNanos / 1_000_000)));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.fail(e);
            } finally {
                release.run();
            }
        }));
    }
}
