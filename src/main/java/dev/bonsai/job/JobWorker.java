package dev.bonsai.job;

import java.io.IOException;
import java.sql.SQLException;

/**
 * One kind of job's work. The scheduler runs it through {@link JobLifecycle}, which starts an
 * attempt, ends the job as the work did (succeeded through {@link JobLifecycle#succeed}, failed
 * by a {@link JobStopped}, cancelled, or failed on our side by anything else) and keeps an
 * attempt that lost the job from storing anything.
 *
 * @param <E> the kind's job rows
 */
public interface JobWorker<E extends JobEntity> {

    /** The scheduler's name for this kind's queue entries. */
    String taskName();

    /** The rows of this kind of job. */
    Class<E> jobType();

    /** The job's last event when it was cancelled while it ran: what was kept, if anything. */
    String cancelledMessage();

    /** What the tenant reads when the job failed on our side (the trace is only logged). */
    String failedMessage();

    /** Runs the job from its row as started, storing what it makes through {@code attempt}. */
    void work(E job, Attempt<E> attempt) throws IOException, SQLException;

    /** After the job has ended on this replica: removes what only a running job needs. */
    default void ended(String jobId) throws IOException {
    }
}
