package dev.bonsai.job;

/**
 * An attempt at a job found it no longer holds the job: another replica took it over (this one
 * was paused or cut off long enough to be taken for dead), or it ended meanwhile. The attempt
 * stops where it is and writes nothing more; the attempt that holds the job does the work.
 */
public final class ClaimLost extends RuntimeException {

    ClaimLost(String jobId, int attempt, String why) {
        super("Attempt " + attempt + " of job " + jobId + " no longer holds it: " + why, null, false, false);
    }
}
