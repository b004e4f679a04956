package dev.bonsai.job;

/**
 * A job has just ended (succeeded, failed or cancelled), fired in the transaction that ends it, so
 * that what observers store of it (a webhook's delivery) is stored with the job's end or not at all.
 */
public record JobEnded(JobEntity job) {
}
