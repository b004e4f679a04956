package dev.bonsai.finetune;

/** A job ended early: {@code code} is the error to record on it, or null when it was cancelled. */
final class JobStopped extends RuntimeException {
    final String code;
    final String param;

    JobStopped(String code, String message, String param) {
        super(message, null, false, false);
        this.code = code;
        this.param = param;
    }
}
