package dev.bonsai.job;

/** Lets tests in other packages start an attempt at a job row they made, as a replica would. */
public final class JobTesting {

    private JobTesting() {
    }

    /** Counts a new attempt on the job and marks it running; null when there is nothing to run. */
    public static <E extends JobEntity> E start(JobLifecycle lifecycle, Class<E> type, String jobId) {
        return lifecycle.start(type, jobId);
    }

    public static <E extends JobEntity> Attempt<E> attempt(JobLifecycle lifecycle, Class<E> type, String jobId, int number) {
        return new Attempt<>(lifecycle, type, jobId, number);
    }
}
