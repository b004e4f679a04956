package dev.bonsai.finetune;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.train.Checkpoints;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.Serializable;
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
 */
final class JobCheckpoints implements Checkpoints {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JobCheckpoints.class);

    private final String jobId;
    private final BlobStore blobs;
    private final IntSupplier currentEpoch;

    JobCheckpoints(String jobId, BlobStore blobs, IntSupplier currentEpoch) {
        this.jobId = jobId;
        this.blobs = blobs;
        this.currentEpoch = currentEpoch;
    }

    @Override
    public Optional<Serializable> load() throws IOException {
        String sha256 = QuarkusTransaction.requiringNew().call(() -> FineTuneJobEntity.<FineTuneJobEntity>findById(jobId).checkpoint);
        if (sha256 == null || !blobs.exists(sha256)) {
            return Optional.empty();
        }
        try (InputStream in = new BufferedInputStream(blobs.open(sha256)); ObjectInputStream objects = new EngineObjectInput(in)) {
            return Optional.of((Serializable) objects.readObject());
        } catch (ClassNotFoundException | ClassCastException | java.io.InvalidClassException e) {
            // A checkpoint of another version of the trainer: start over rather than fail, and say so.
            LOG.warnf("The checkpoint of job %s was written by another version of the trainer (%s); the job trains"
                    + " from the start.", jobId, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void save(Serializable state) throws IOException {
        Path file = Files.createTempFile(blobs.scratchDirectory(), "checkpoint", ".bin");
        MessageDigest digest = sha256();
        try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), digest);
                ObjectOutputStream objects = new ObjectOutputStream(out)) {
            objects.writeObject(state);
        }
        String sha256 = HexFormat.of().formatHex(digest.digest());
        blobs.putFile(sha256, file);
        int epoch = currentEpoch.getAsInt();
        String previous = QuarkusTransaction.requiringNew().call(() -> {
            FineTuneJobEntity job = FineTuneJobEntity.findById(jobId);
            String old = job.checkpoint;
            job.checkpoint = sha256;
            job.checkpointEpoch = epoch;
            return old;
        });
        if (previous != null && !previous.equals(sha256)) {
            blobs.delete(previous);
        }
    }

    /** Removes the job's checkpoint once the job has ended. */
    void discard() throws IOException {
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

    /** Resolves classes with the engine's class loader, whichever thread reads. */
    private static final class EngineObjectInput extends ObjectInputStream {
        EngineObjectInput(InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass description) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(description.getName(), false, Checkpoints.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                return super.resolveClass(description);
            }
        }
    }
}
