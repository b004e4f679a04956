package dev.bonsai.job;

import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What every kind of job does with its rows, written once: create one under an idempotency key and
 * queue it, find a tenant's job (another tenant's is a 404), show it with its place in the queue,
 * list a tenant's newest first, cancel, and read its events for a live stream. A job kind gives
 * its entity, the name problems call it by, its task and how a row is shown; its service keeps
 * what is its own (validating a request, what a job needs).
 *
 * <p>Runs in the caller's transaction, except where a method says it opens its own.
 */
public final class JobRows<E extends JobEntity, V> {

    /** A job as created or replayed: {@code created} is false when an earlier call with the key made it. */
    public record Created<V>(V job, boolean created) {
    }

    private final Class<E> type;
    private final String noun;
    private final String task;
    private final BiFunction<E, Long, V> view;
    private final JobEvents events;
    private final JobScheduler scheduler;

    /**
     * @param noun what a problem calls one ("fine-tuning job")
     * @param view how a row is shown, given its place in the queue (null unless it is queued)
     */
    public JobRows(Class<E> type, String noun, String task, BiFunction<E, Long, V> view, JobEvents events,
            JobScheduler scheduler) {
        this.type = type;
        this.noun = noun;
        this.task = task;
        this.view = view;
        this.events = events;
        this.scheduler = scheduler;
    }

    /**
     * Creates a job once per idempotency key: a retry with the same request answers the first
     * call's job ({@code created} false), one with another request is refused, and of two first
     * calls at once the database keeps one and the other answers with it. {@code build} validates
     * the request and makes the row (its id and own columns); the shared columns are set here. Once
     * stored, {@code announce} gives the job's first event and the job is queued.
     */
    public Created<V> create(String tenantId, String idempotencyKey, Object request, Supplier<E> build,
            Function<E, String> announce) {
        IdempotencyKeys.check(idempotencyKey);
        String fingerprint = IdempotencyKeys.fingerprint(request);
        if (idempotencyKey != null) {
            Optional<Created<V>> replayed = replay(tenantId, idempotencyKey, fingerprint);
            if (replayed.isPresent()) {
                return replayed.get();
            }
        }
        E job = build.get();
        job.tenantId = tenantId;
        job.status = "queued";
        job.idempotencyKey = idempotencyKey;
        job.idempotencyFingerprint = fingerprint;
        job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        return IdempotencyKeys.storeOrReplay(idempotencyKey, () -> QuarkusTransaction.requiringNew().call(() -> {
            job.persist();
            return view(job);
        }), queued -> {
            events.message(job.id, "info", announce.apply(job));
            scheduler.schedule(task, job.id);
            return new Created<>(queued, true);
        }, () -> replay(tenantId, idempotencyKey, fingerprint));
    }

    /** The job an earlier call with this key made, if any; refuses the key with another request. Its own transaction. */
    private Optional<Created<V>> replay(String tenantId, String idempotencyKey, String fingerprint) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<E> earlier = entities().createQuery("from " + entity() + " where tenantId = ?1 and idempotencyKey = ?2",
                    type).setParameter(1, tenantId).setParameter(2, idempotencyKey).getResultStream().findFirst();
            earlier.ifPresent(job -> IdempotencyKeys.requireSameRequest(job.idempotencyFingerprint, fingerprint,
                    idempotencyKey));
            return earlier.map(job -> new Created<>(view(job), false));
        });
    }

    /** The tenant's job; another tenant's, or none, is a 404. */
    public E find(String tenantId, String id) {
        return entities().createQuery("from " + entity() + " where id = ?1 and tenantId = ?2", type)
                .setParameter(1, id).setParameter(2, tenantId).getResultStream().findFirst()
                .orElseThrow(() -> ProblemException.notFound(noun, id));
    }

    public V get(String tenantId, String id) {
        return view(find(tenantId, id));
    }

    /** A tenant's jobs, newest first. */
    public Page<V> list(String tenantId, Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        List<E> rows = entities().createQuery("from " + entity() + " where tenantId = ?1 and seq < ?2 order by seq desc",
                type).setParameter(1, tenantId).setParameter(2, below).setMaxResults(pageSize + 1).getResultList();
        return Cursor.page(rows, pageSize, row -> row.seq, this::view);
    }

    /** See {@link JobEntity#requestCancel()}; in a transaction of the caller's. */
    public V cancel(String tenantId, String id) {
        E job = find(tenantId, id);
        job.requestCancel();
        if (job.finished()) {
            events.ended(job);
        }
        return view(job);
    }

    /** The tenant's jobs that are queued or running. */
    public List<E> active(String tenantId) {
        return entities().createQuery("from " + entity() + " where tenantId = ?1 and status in ('queued', 'running')", type)
                .setParameter(1, tenantId).getResultList();
    }

    /** A job's events after {@code afterId} for a live stream, and whether the job has ended; in the caller's transaction. */
    public EventStreams.Snapshot eventsAfter(String id, long afterId) {
        boolean finished = Optional.ofNullable(entities().find(type, id)).map(JobEntity::finished).orElse(true);
        return new EventStreams.Snapshot(finished, events.after(id, afterId, 100));
    }

    /**
     * A row as shown, with the number of jobs of its kind ahead of it while it is queued: jobs queued
     * again after an interruption (they have attempts) go before the others, each group in the order
     * it was created.
     */
    public V view(E job) {
        Long position = null;
        if (job.status.equals("queued")) {
            String ahead = job.attempts > 0 ? "j.attempts > 0 and j.seq < ?1" : "(j.attempts > 0 or j.seq < ?1)";
            position = entities().createQuery("select count(j) from " + entity() + " j where j.status = 'queued' and "
                    + ahead, Long.class).setParameter(1, job.seq).getSingleResult();
        }
        return view.apply(job, position);
    }

    private String entity() {
        return type.getSimpleName();
    }

    private static EntityManager entities() {
        return Panache.getEntityManager();
    }
}
