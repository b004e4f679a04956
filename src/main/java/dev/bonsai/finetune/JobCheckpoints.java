package dev.bonsai.finetune;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.train.Checkpoints;
import dev.bonsai.job.Attempt;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * A job's training checkpoints in blob storage. The job row names the latest one, so any replica
 * that picks the job up again finds it; the previous blob is removed when a newer one is saved.
 * Only the attempt that holds the job names a checkpoint: one that lost the job to another cannot
 * put its own over the newer attempt's.
 */
final class JobCheckpoints implements Checkpoints {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JobCheckpoints.class);

    private final Attempt<FineTuneJobEntity> attempt;
    private final String jobId;
    private final BlobStore blobs;
    private final IntSupplier currentEpoch;

    JobCheckpoints(Attempt<FineTuneJobEntity> attempt, BlobStore blobs, IntSupplier currentEpoch) {
        this.attempt = attempt;
        this.jobId = attempt.jobId();
        this.blobs = blobs;
        this.currentEpoch = currentEpoch;
    }

    @Override
    public Optional<InputStream> open() throws IOException {
        String sha256 = QuarkusTransaction.requiringNew().call(() -> FineTuneJobEntity.<FineTuneJobEntity>findById(jobId).checkpoint);
        if (sha256 == null || !blobs.exists(sha256)) {
            return Optional.empty();
        }
        return Optional.of(blobs.open(sha256));
    }

    /** Saved in the middle of an epoch when this server shuts down, so that the next attempt goes on from that step. */
    @Override
    public boolean requested() {
        return attempt.stopping();
    }

    @Override
    public void unreadable(String reason) {
        LOG.warnf("The checkpoint of job %s cannot be read: %s; the job trains from the start.", jobId, reason);
        attempt.message("warning", "The checkpoint saved before the interruption cannot be read (" + reason + "); training starts"
                + " again from the first epoch.");
    }

    @Override
    public void save(Writer writer) throws IOException {
        Path file = Files.createTempFile(blobs.scratchDirectory(), "checkpoint", ".bin");
        MessageDigest digest = sha256();
        try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), digest)) {
            writer.writeTo(out);
        }
        String sha256 = HexFormat.of().formatHex(digest.digest());
        blobs.putFile(sha256, file);
        int epoch = currentEpoch.getAsInt();
        String previous = attempt.write(job -> {
            String old = job.checkpoint;
            job.checkpoint = sha256;
            job.checkpointEpoch = epoch;
            return old;
        }, () -> discardUnnamed(sha256));
        if (previous != null && !previous.equals(sha256)) {
            blobs.delete(previous);
        }
    }

    /** An attempt that lost the job stored a checkpoint nobody will read: removed, unless the job names the same bytes. */
    private void discardUnnamed(String sha256) {
        try {
            boolean named = QuarkusTransaction.requiringNew().call(() -> {
                FineTuneJobEntity job = FineTuneJobEntity.findById(jobId);
                return job != null && sha256.equals(job.checkpoint);
            });
            if (!named) {
                blobs.delete(sha256);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Could not remove the checkpoint a lost attempt of job %s stored: %s", jobId, e.getMessage());
        }
    }

    /** Removes the checkpoint of a job that has ended. */
    static void discard(String jobId, BlobStore blobs) throws IOException {
        String sha256 = QuarkusTransaction.requiringNew().call(() -> {
            FineTuneJobEntity job = FineTuneJobEntity.findById(jobId);
            String old = job.checkpoint;
            job.checkpoint = null;
            job.checkpointEpoch = null;
            return old;
        });
        if (sha256 != null) {
            blobs.delete(sha256);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
