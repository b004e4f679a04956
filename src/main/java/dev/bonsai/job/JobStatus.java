package dev.bonsai.job;

/** Where a job is: queued → running → succeeded | failed | cancelled (the last three are final). */
public enum JobStatus {
    queued, running, succeeded, failed, cancelled
}
