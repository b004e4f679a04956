package dev.bonsai.job;

/**
 * A job ended early: {@code code} is the error to record on it, or null when it stopped because a
 * cancellation was asked for ({@link #cancelled()}).
 */
public final class JobStopped extends RuntimeException {
    public final String code;
    public final String param;

    public JobStopped(String code, String message, String param) {
        super(message, null, false, false);
        this.code = code;
        this.param = param;
    }

    /** The work saw the job's cancellation and stopped. */
    public static JobStopped cancelled() {
        return new JobStopped(null, "cancelled", null);
    }

    public boolean isCancellation() {
        return code == null;
    }
}
