package dev.bonsai.job;

import dev.bonsai.engine.train.HeadTrainer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What every job worker does to its job row, each step in its own transaction (workers run
 * outside any): start or resume it, report progress, watch for cancellation, and end it.
 */
@ApplicationScoped
public class JobLifecycle {

    /** How often a running job's row is read for a cancellation request, at most. */
    private static final long CANCEL_CHECK_MILLIS = 500;

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JobLifecycle.class);

    /** A job's work, given its row as started and what says a cancellation was asked for. */
    @FunctionalInterface
    public interface Work<E extends JobEntity> {
        void run(E job, BooleanSupplier cancelled) throws IOException, SQLException;
    }

    /**
     * Runs a job's work once on this replica and ends the job as the work did: cancelled when it
     * stopped for a cancellation (with {@code cancelledMessage} as the last event), failed with the
     * code and message of a {@link JobStopped}, or failed as {@code internal_error} with
     * {@code failedMessage} on anything unexpected (logged with its trace; the tenant gets no trace).
     * Nothing runs when the job is gone, has ended, or was cancelled while queued.
     */
    public <E extends JobEntity> void run(Class<E> type, String jobId, String cancelledMessage, String failedMessage,
            Work<E> work) {
        E job = start(type, jobId);
        if (job == null) {
            return;
        }
        try {
            work.run(job, cancellation(type, jobId));
        } catch (HeadTrainer.CancelledException e) {
            cancelled(type, jobId, cancelledMessage);
        } catch (JobStopped e) {
            if (e.isCancellation()) {
                cancelled(type, jobId, cancelledMessage);
            } else {
                fail(type, jobId, e.code, e.getMessage(), e.param);
            }
        } catch (RuntimeException | IOException | SQLException e) {
            LOG.errorf(e, "Job %s failed", jobId);
            fail(type, jobId, "internal_error", failedMessage, null);
        }
    }

    @Inject
    EntityManager entities;

    @Inject
    JobEvents events;

    /**
     * Marks the job running (counting the attempt) and says so in its events; null when there is
     * nothing to run (gone, finished, or cancelled while queued — then it is marked cancelled).
     */
    public <E extends JobEntity> E start(Class<E> type, String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            E job = entities.find(type, jobId);
            if (job == null || job.finished()) {
                return null;
            }
            if (job.cancelRequested) {
                job.status = "cancelled";
                job.finishedAt = now();
                return null;
            }
            job.attempts++;
            job.status = "running";
            if (job.startedAt == null) {
                job.startedAt = now();
            }
            events.message(jobId, "info", job.attempts == 1 ? "Job started." : "Job resumed after an interruption (attempt "
                    + job.attempts + ").");
            return job;
        });
    }

    /** True once a cancellation was requested; reads the row at most every 0.5 s. */
    public BooleanSupplier cancellation(Class<? extends JobEntity> type, String jobId) {
        long[] lastCheck = {0};
        boolean[] cancelled = {false};
        return () -> {
            long now = System.currentTimeMillis();
            if (!cancelled[0] && now - lastCheck[0] >= CANCEL_CHECK_MILLIS) {
                lastCheck[0] = now;
                cancelled[0] = QuarkusTransaction.requiringNew().call(() -> entities.find(type, jobId).cancelRequested);
            }
            return cancelled[0];
        };
    }

    public void progress(Class<? extends JobEntity> type, String jobId, double value) {
        QuarkusTransaction.requiringNew().run(() -> {
            JobEntity job = entities.find(type, jobId);
            if (job != null && job.status.equals("running")) {
                job.progress = (float) Math.min(1, value);
            }
        });
    }

    /**
     * Ends the job as succeeded, with {@code message} as its last event: events are written before
     * the status, so a live stream, which stops once the job has ended and no events are left,
     * always delivers it.
     */
    public <E extends JobEntity> void succeed(Class<E> type, String jobId, Map<String, Object> result, String message,
            Consumer<E> also) {
        events.message(jobId, "info", message);
        end(type, jobId, "succeeded", result, null, also);
    }

    /** Ends the job as cancelled; {@code message} is its last event (written first, so streams see it). */
    public void cancelled(Class<? extends JobEntity> type, String jobId, String message) {
        events.message(jobId, "info", message);
        end(type, jobId, "cancelled", null, null, job -> { });
    }

    public void fail(Class<? extends JobEntity> type, String jobId, String code, String message, String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (param != null) {
            error.put("param", param);
        }
        events.message(jobId, "error", "Job failed: " + message);
        end(type, jobId, "failed", null, error, job -> { });
    }

    public boolean finished(Class<? extends JobEntity> type, String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> entities.find(type, jobId).finished());
    }

    private <E extends JobEntity> void end(Class<E> type, String jobId, String status, Map<String, Object> result,
            Map<String, Object> error, Consumer<E> also) {
        QuarkusTransaction.requiringNew().run(() -> {
            E job = entities.find(type, jobId);
            job.status = status;
            job.result = result;
            job.error = error;
            if (status.equals("succeeded")) {
                job.progress = 1;
            }
            job.finishedAt = now();
            also.accept(job);
        });
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
