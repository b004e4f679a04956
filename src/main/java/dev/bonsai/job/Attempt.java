package dev.bonsai.job;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * One attempt at a job, on this replica: the claim {@link JobLifecycle#start} took by counting it
 * on the job row. Everything a worker stores while it works (events, progress, checkpoints,
 * results) goes through its attempt, in a transaction that first locks the job row and checks the
 * attempt still holds it. An attempt that has lost its claim (the job was taken over, or ended)
 * gets {@link ClaimLost} instead, so a replica that was paused while another took its job over
 * writes nothing once it wakes; its work sees the loss within one step through
 * {@link #cancellation()}.
 */
public final class Attempt<E extends JobEntity> {

    private final JobLifecycle lifecycle;
    private final Class<E> type;
    private final String jobId;
    private final int number;

    Attempt(JobLifecycle lifecycle, Class<E> type, String jobId, int number) {
        this.lifecycle = lifecycle;
        this.type = type;
        this.jobId = jobId;
        this.number = number;
    }

    public String jobId() {
        return jobId;
    }

    /** 1 for the first attempt, counted on the job row. */
    public int number() {
        return number;
    }

    Class<E> type() {
        return type;
    }

    /**
     * Runs {@code work} on the locked job row in a transaction of its own, which whatever
     * {@code work} calls joins; nothing of it is stored when this attempt no longer holds the job.
     *
     * @throws ClaimLost when another attempt holds the job or it has ended
     */
    public <T> T write(Function<E, T> work) {
        return lifecycle.write(this, work);
    }

    /**
     * As {@link #write(Function)}, for work that names something stored beforehand (a checkpoint
     * blob): when this attempt has lost the job, {@code orphaned} removes what nothing will name,
     * and then {@link ClaimLost} goes on.
     */
    public <T> T write(Function<E, T> work, Runnable orphaned) {
        try {
            return lifecycle.write(this, work);
        } catch (ClaimLost lost) {
            orphaned.run();
            throw lost;
        }
    }

    public void message(String level, String message) {
        lifecycle.message(this, level, message);
    }

    public void metrics(String message, Map<String, Object> data) {
        lifecycle.metrics(this, message, data);
    }

    /** The job's progress, 0 to 1. */
    public void progress(double value) {
        write(job -> {
            job.progress = (float) Math.min(1, value);
            return null;
        });
    }

    /**
     * True once a cancellation was asked for; throws {@link ClaimLost} once this attempt no longer
     * holds the job, and stops the attempt when the server shuts down. Reads the row at most every
     * 0.5 s, so engines call it at every step.
     */
    public BooleanSupplier cancellation() {
        return lifecycle.cancellation(this);
    }

    /**
     * True once this process is shutting down: work that can save where it is should do so now,
     * before its next {@link #cancellation()} check gives the job back.
     */
    public boolean stopping() {
        return lifecycle.shuttingDown();
    }
}
