package dev.bonsai.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Blobs as objects {@code <prefix>sha256/ab/cd/<sha256>} in one bucket of S3 or an S3-compatible
 * server. Nothing is held whole in memory: a finished local file is uploaded in one request up
 * to the part size and in parts above it (an interrupted multipart upload is aborted, so no part
 * is left behind); reads stream the object, and a range asks the server for just that range.
 * Because a key names its content, two replicas storing the same blob at once store the same
 * bytes. Scratch files stay on local disk, in this process's own {@link ScratchFolder}.
 *
 * <p>Owns its {@link S3Client} and closes it with the store.
 */
public final class S3BlobStore implements BlobStore {

    private static final Logger LOG = Logger.getLogger(S3BlobStore.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** S3's smallest part but the last. */
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    private static final String CONTENT_TYPE = "application/octet-stream";

    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final long partSize;
    private final ScratchFolder scratch;
    private final String probeKey;

    /**
     * @param prefix    prepended to every key ("" for none; a trailing '/' is added when missing)
     * @param partSize  bytes per part of a multipart upload, and the largest file sent in one request
     * @param localDir  where this process's scratch folder is made
     */
    public S3BlobStore(S3Client client, String bucket, String prefix, long partSize, Path localDir) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("the S3 part size must be at least 5M, not " + partSize + " bytes");
        }
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        this.partSize = partSize;
        this.scratch = new ScratchFolder(localDir);
        this.probeKey = this.prefix + "probes/" + UUID.randomUUID();
    }

    @Override
    public void putFile(String sha256, Path file) throws IOException {
        String key = keyOf(sha256);
        if (stored(key)) {
            Files.deleteIfExists(file);
            return;
        }
        long size = Files.size(file);
        try {
            if (size <= partSize) {
                client.putObject(request -> request.bucket(bucket).key(key).contentType(CONTENT_TYPE),
                        RequestBody.fromFile(file));
            } else {
                uploadInParts(key, file, size);
            }
        } catch (SdkException e) {
            throw failure("store", key, e);
        }
        Files.delete(file);
    }

    private void uploadInParts(String key, Path file, long size) throws IOException {
        String uploadId = client.createMultipartUpload(request -> request.bucket(bucket).key(key).contentType(CONTENT_TYPE))
                .uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long offset = 0;
            for (int number = 1; offset < size; number++) {
                long from = offset;
                long length = Math.min(partSize, size - offset);
                int partNumber = number;
                // A fresh stream per attempt, so that the SDK can retry a part without buffering it.
                RequestBody body = RequestBody.fromContentProvider(() -> slice(file, from, length), length, CONTENT_TYPE);
                UploadPartResponse uploaded = client.uploadPart(request -> request.bucket(bucket).key(key)
                        .uploadId(uploadId).partNumber(partNumber).contentLength(length), body);
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(uploaded.eTag()).build());
                offset += length;
            }
            client.completeMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts)));
        } catch (SdkException | UncheckedIOException e) {
            abort(key, uploadId);
            throw e;
        }
    }

    private void abort(String key, String uploadId) {
        try {
            client.abortMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // The bucket's lifecycle rule for incomplete uploads is what remains; say so once.
            LOG.warnf("Could not abort the multipart upload of %s: %s", key, e.getMessage());
        }
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            return new SliceInputStream(Channels.newInputStream(channel), length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        String key = keyOf(sha256);
        try {
            return client.getObject(request -> request.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public InputStream open(String sha256, long offset, long length) throws IOException {
        if (length <= 0) {
            return InputStream.nullInputStream();
        }
        String key = keyOf(sha256);
        try {
            return client.getObject(request -> request.bucket(bucket).key(key)
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public boolean exists(String sha256) {
        try {
            return stored(keyOf(sha256));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean stored(String key) throws IOException {
        try {
            client.headObject(request -> request.bucket(bucket).key(key));
            return true;
        } catch (SdkException e) {
            if (notFound(e)) {
                return false;
            }
            throw failure("look up", key, e);
        }
    }

    @Override
    public long size(String sha256) throws IOException {
        String key = keyOf(sha256);
        try {
            return client.headObject(request -> request.bucket(bucket).key(key)).contentLength();
        } catch (SdkException e) {
            throw failure("look up", key, e);
        }
    }

    @Override
    public void delete(String sha256) throws IOException {
        String key = keyOf(sha256);
        try {
            client.deleteObject(request -> request.bucket(bucket).key(key));
        } catch (SdkException e) {
            if (!notFound(e)) {
                throw failure("delete", key, e);
            }
        }
    }

    @Override
    public Path scratchDirectory() throws IOException {
        return scratch.path();
    }

    /** Writes and removes a small object of this process's own, and checks the local scratch folder. */
    @Override
    public void checkWritable() throws IOException {
        scratch.checkWritable();
        try {
            client.putObject(request -> request.bucket(bucket).key(probeKey), RequestBody.empty());
            client.deleteObject(request -> request.bucket(bucket).key(probeKey));
        } catch (SdkException e) {
            throw failure("write", probeKey, e);
        }
    }

    @Override
    public void close() {
        scratch.close();
        client.close();
    }

    @Override
    public String toString() {
        return "objects in bucket " + bucket + (prefix.isEmpty() ? "" : " under " + prefix);
    }

    private String keyOf(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256 key: " + sha256);
        }
        return prefix + "sha256/" + sha256.substring(0, 2) + "/" + sha256.substring(2, 4) + "/" + sha256;
    }

    private static boolean notFound(SdkException e) {
        return e instanceof S3Exception s3 && s3.statusCode() == 404;
    }

    /** A missing object is a {@link NoSuchFileException}, as in the filesystem store; anything else an IOException saying what failed. */
    private IOException failure(String action, String key, SdkException e) {
        if (notFound(e)) {
            NoSuchFileException missing = new NoSuchFileException(key);
            missing.initCause(e);
            return missing;
        }
        return new IOException("Could not " + action + " s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
}
