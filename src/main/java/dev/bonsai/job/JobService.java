package dev.bonsai.job;

import dev.bonsai.platform.Page;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * What the service of every job kind answers the same way: get, list, cancel, ownership, and a
 * job's events as a page or a live stream, each in its transaction. A kind's service extends it, names its
 * rows ({@link #rows()}), and adds what is its own: validating and creating a request.
 *
 * @param <E> the kind's job rows
 * @param <V> how a job is shown
 */
public abstract class JobService<E extends JobEntity, V> {

    @Inject
    JobScheduler scheduler;

    @Inject
    JobEvents events;

    @Inject
    EventStreams streams;

    private JobRows<E, V> rows;
    private Kind<E, V> kind;

    /**
     * The kind's entity, the name problems call a job by ("fine-tuning job"), its task, the name its
     * webhook events start with ("fine_tuning.job"), and how a row is shown.
     */
    public record Kind<E extends JobEntity, V>(Class<E> type, String noun, String task, String event,
            BiFunction<E, Long, V> view) {
    }

    /** A webhook event of a job that has ended: {@code fine_tuning.job.succeeded} and the job as the API shows it. */
    public record Ending(String eventType, Object job) {
    }

    /** The statuses a job ends in, which end the names of its webhook events. */
    public static final List<String> ENDED = List.of("succeeded", "failed", "cancelled");

    protected abstract Kind<E, V> kind();

    @PostConstruct
    void makeRows() {
        kind = kind();
        rows = new JobRows<>(kind.type(), kind.noun(), kind.task(), kind.view(), events, scheduler);
    }

    /** The rows of this kind: creation under an idempotency key, lookups by tenant. */
    protected JobRows<E, V> rows() {
        return rows;
    }

    /** The webhook event types of this kind's jobs, one per way a job ends. */
    public List<String> eventTypes() {
        return ENDED.stream().map(status -> kind.event() + "." + status).toList();
    }

    /** What a webhook announces of {@code job} as it ends; empty when it is another kind's. In the caller's transaction. */
    public Optional<Ending> ending(JobEntity job) {
        if (!kind.type().isInstance(job) || !job.finished()) {
            return Optional.empty();
        }
        return Optional.of(new Ending(kind.event() + "." + job.status, rows.view(kind.type().cast(job))));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public V get(String tenantId, String id) {
        return rows.get(tenantId, id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<V> list(String tenantId, Integer limit, String after) {
        return rows.list(tenantId, limit, after);
    }

    /** See {@link JobEntity#requestCancel()}. */
    @Transactional
    public V cancel(String tenantId, String id) {
        return rows.cancel(tenantId, id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public void checkOwned(String tenantId, String id) {
        rows.find(tenantId, id);
    }

    /** A page of the job's events in order, once the job is found to be the tenant's. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<JobEvent> events(String tenantId, String id, Integer limit, String after) {
        rows.find(tenantId, id);
        return events.page(id, limit, after);
    }

    /**
     * The job's events after {@code from} (0: from its first) as they happen, with heartbeats in
     * its silences, until it ends, once the job is found to be the tenant's.
     */
    public Multi<EventStreams.Frame> stream(String tenantId, String id, long from) {
        checkOwned(tenantId, id);
        return streams.stream(from, last -> eventsAfter(id, last));
    }

    /** For live streams, which run on their own threads: opens its own transaction. */
    @Transactional
    public EventStreams.Snapshot eventsAfter(String id, long afterId) {
        return rows.eventsAfter(id, afterId);
    }
}
