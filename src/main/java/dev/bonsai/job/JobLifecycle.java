package dev.bonsai.job;

import dev.bonsai.engine.train.HeadTrainer;
import dev.bonsai.platform.InstanceName;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What every job worker does to its job row, each step in its own transaction (workers run
 * outside any): start an attempt, store what it makes through that attempt ({@link Attempt}),
 * watch for cancellation, and end the job. Every write of an attempt locks the job row and checks
 * the attempt still holds the job, so of two replicas that both think they run a job (one was
 * paused past its heartbeats and the job was taken over) only the newer attempt stores anything.
 */
@ApplicationScoped
public class JobLifecycle {

    /** How often a running job's row is read for a cancellation request or a takeover, at most. */
    private static final long CHECK_MILLIS = 500;

    private static final Logger LOG = Logger.getLogger(JobLifecycle.class);

    /** How a run on this replica ended, which says what becomes of the job's queue entry. */
    public enum Outcome {
        /** The job has ended (or there was nothing to run): its queue entry is done. */
        ENDED,
        /** Another attempt holds the job: the queue entry is that attempt's, not to be touched. */
        LOST,
        /** The server is shutting down: the job is queued again, ahead of others, for another replica. */
        RELEASED
    }

    /** A job's work, given its row as started and the attempt it stores through. */
    @FunctionalInterface
    public interface Work<E extends JobEntity> {
        void run(E job, Attempt<E> attempt) throws IOException, SQLException;
    }

    @Inject
    EntityManager entities;

    @Inject
    JobEvents events;

    @Inject
    InstanceName instance;

    private volatile boolean shuttingDown;

    /** Runs a job of {@code worker}'s kind once on this replica (see below), then lets it tidy up if the job ended. */
    <E extends JobEntity> Outcome run(JobWorker<E> worker, String jobId) {
        Outcome outcome = run(worker.jobType(), jobId, worker.cancelledMessage(), worker.failedMessage(), worker::work);
        try {
            if (outcome == Outcome.ENDED && finished(worker.jobType(), jobId)) {
                worker.ended(jobId);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Job %s ended, but what it kept while it ran could not be removed: %s", jobId, e.getMessage());
        }
        return outcome;
    }

    /**
     * Runs a job's work once on this replica and ends the job as the work did: cancelled when it
     * stopped for a cancellation (with {@code cancelledMessage} as the last event), failed with the
     * code and message of a {@link JobStopped}, or failed as {@code internal_error} with
     * {@code failedMessage} on anything unexpected (logged with its trace; the tenant gets no trace).
     * Nothing runs when the job is gone, has ended, or was cancelled while queued. An attempt that
     * lost the job to another stops without a trace on the job; one stopped by the server's
     * shutdown queues the job again.
     */
    public <E extends JobEntity> Outcome run(Class<E> type, String jobId, String cancelledMessage, String failedMessage,
            Work<E> work) {
        E job = start(type, jobId);
        if (job == null) {
            return Outcome.ENDED;
        }
        Attempt<E> attempt = new Attempt<>(this, type, jobId, job.attempts);
        try {
            try {
                work.run(job, attempt);
            } catch (HeadTrainer.CancelledException e) {
                cancelled(attempt, cancelledMessage);
            } catch (JobStopped e) {
                if (e.isCancellation()) {
                    cancelled(attempt, cancelledMessage);
                } else {
                    fail(attempt, e.code, e.getMessage(), e.param);
                }
            } catch (ClaimLost | ShuttingDown e) {
                throw e;
            } catch (RuntimeException | IOException | SQLException e) {
                LOG.errorf(e, "Job %s failed", jobId);
                fail(attempt, "internal_error", failedMessage, null);
            }
            return Outcome.ENDED;
        } catch (ClaimLost e) {
            LOG.warnf("%s; this replica (%s) stops it and keeps nothing of it.", e.getMessage(), instance.name());
            return Outcome.LOST;
        } catch (ShuttingDown e) {
            try {
                write(attempt, row -> {
                    row.status = "queued";
                    events.message(jobId, "info", "The server running this job is shutting down; the job is queued"
                            + " again, ahead of the others, and resumes from its last checkpoint.");
                    return null;
                });
            } catch (RuntimeException notReleased) {
                // Taken over meanwhile, or the database is already gone: the queue entry stays as it is and
                // the job is taken over once this replica's heartbeats have lapsed.
                LOG.warnf("Job %s could not be released as this replica shuts down: %s", jobId, notReleased.getMessage());
                return Outcome.LOST;
            }
            LOG.infof("Job %s released by this replica (%s) as it shuts down.", jobId, instance.name());
            return Outcome.RELEASED;
        }
    }

    /**
     * Counts a new attempt on the job row, marks it running and says so in its events; null when
     * there is nothing to run (gone, finished, or cancelled while queued — then it is marked
     * cancelled). Counting the attempt is what takes the job from an attempt before it.
     */
    <E extends JobEntity> E start(Class<E> type, String jobId) {
        E job = QuarkusTransaction.requiringNew().call(() -> {
            E row = entities.find(type, jobId, LockModeType.PESSIMISTIC_WRITE);
            if (row == null || row.finished()) {
                return null;
            }
            if (row.cancelRequested) {
                row.status = "cancelled";
                row.finishedAt = now();
                events.message(jobId, "info", "Job cancelled before it started.");
                events.ended(row);
                return null;
            }
            row.attempts++;
            row.status = "running";
            if (row.startedAt == null) {
                row.startedAt = now();
            }
            events.message(jobId, "info", row.attempts == 1 ? "Job started." : "Job resumed after an interruption (attempt "
                    + row.attempts + ").");
            return row;
        });
        if (job != null) {
            LOG.infof("Job %s: attempt %d runs on %s.", jobId, job.attempts, instance.name());
        }
        return job;
    }

    <E extends JobEntity, T> T write(Attempt<E> attempt, Function<E, T> work) {
        return QuarkusTransaction.requiringNew().call(() -> work.apply(hold(attempt)));
    }

    void message(Attempt<?> attempt, String level, String message) {
        write(attempt, job -> {
            events.message(job.id, level, message);
            return null;
        });
    }

    void metrics(Attempt<?> attempt, String message, Map<String, Object> data) {
        write(attempt, job -> {
            events.metrics(job.id, message, data);
            return null;
        });
    }

    /** The job row, locked until the transaction ends, if {@code attempt} still holds it. */
    private <E extends JobEntity> E hold(Attempt<E> attempt) {
        E row = entities.find(attempt.type(), attempt.jobId(), LockModeType.PESSIMISTIC_WRITE);
        if (row == null) {
            throw new ClaimLost(attempt.jobId(), attempt.number(), "the job is gone");
        }
        if (row.attempts != attempt.number()) {
            throw new ClaimLost(attempt.jobId(), attempt.number(), "attempt " + row.attempts + " took it over");
        }
        if (!row.status.equals("running")) {
            throw new ClaimLost(attempt.jobId(), attempt.number(), "it is " + row.status);
        }
        return row;
    }

    BooleanSupplier cancellation(Attempt<?> attempt) {
        long[] lastCheck = {0};
        boolean[] cancelled = {false};
        return () -> {
            if (shuttingDown) {
                throw new ShuttingDown();
            }
            long now = System.currentTimeMillis();
            if (!cancelled[0] && now - lastCheck[0] >= CHECK_MILLIS) {
                lastCheck[0] = now;
                cancelled[0] = QuarkusTransaction.requiringNew().call(() -> {
                    JobEntity row = entities.find(attempt.type(), attempt.jobId());
                    if (row == null || row.attempts != attempt.number() || !row.status.equals("running")) {
                        // Say why, from the locked row.
                        hold(attempt);
                    }
                    return row.cancelRequested;
                });
            }
            return cancelled[0];
        };
    }

    /**
     * Ends the job as succeeded, with the message {@code finish} returns as its last event:
     * {@code finish} runs on the locked row in the same transaction, so what it stores (a model,
     * the variants' final figures) is stored with the job's end or not at all. Returns the row as ended.
     */
    public <E extends JobEntity> E succeed(Attempt<E> attempt, Map<String, Object> result, Function<E, String> finish) {
        return write(attempt, job -> {
            events.message(job.id, "info", finish.apply(job));
            end(job, "succeeded", result, null);
            return job;
        });
    }

    private void cancelled(Attempt<?> attempt, String message) {
        write(attempt, job -> {
            events.message(job.id, "info", message);
            end(job, "cancelled", null, null);
            return null;
        });
    }

    private void fail(Attempt<?> attempt, String code, String message, String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (param != null) {
            error.put("param", param);
        }
        write(attempt, job -> {
            events.message(job.id, "error", "Job failed: " + message);
            end(job, "failed", null, error);
            return null;
        });
    }

    /**
     * The replica running the job stopped beating (it died, or is paused): the job is queued again,
     * which takes it from that attempt at once, and its events say it waits to resume.
     */
    void requeue(Class<? extends JobEntity> type, String jobId, String deadReplica) {
        QuarkusTransaction.requiringNew().run(() -> {
            JobEntity row = entities.find(type, jobId, LockModeType.PESSIMISTIC_WRITE);
            if (row != null && row.status.equals("running")) {
                row.status = "queued";
                events.message(jobId, "warning", "The replica running this job stopped responding; the job is queued"
                        + " again, ahead of the others, and resumes from its last checkpoint on the next free worker.");
                LOG.warnf("Job %s: %s stopped responding; the job is queued to resume.", jobId, deadReplica);
            }
        });
    }

    public boolean finished(Class<? extends JobEntity> type, String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            JobEntity row = entities.find(type, jobId);
            return row == null || row.finished();
        });
    }

    /** Whether this process is shutting down, so that work saves where it is before its next check. */
    boolean shuttingDown() {
        return shuttingDown;
    }

    /** From now on running attempts stop at their next check and queue their jobs again. */
    void shutDown() {
        shuttingDown = true;
    }

    private void end(JobEntity job, String status, Map<String, Object> result, Map<String, Object> error) {
        job.status = status;
        job.result = result;
        job.error = error;
        if (status.equals("succeeded")) {
            job.progress = 1;
        }
        job.finishedAt = now();
        events.ended(job);
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    /** The work stopped at a check because the server is shutting down. */
    static final class ShuttingDown extends RuntimeException {
        ShuttingDown() {
            super("the server is shutting down", null, false, false);
        }
    }
}
