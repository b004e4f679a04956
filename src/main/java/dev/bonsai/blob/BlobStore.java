package dev.bonsai.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Content-addressed artifact storage: a blob's key is the lowercase hex SHA-256 of its bytes, so
 * the same content is stored once and a key always names the same bytes.
 */
public interface BlobStore extends AutoCloseable {

    /**
     * Moves a finished local file into the store under its sha256 (already computed by the caller
     * while writing it). The file is gone afterwards; storing existing content again is a no-op.
     */
    void putFile(String sha256, Path file) throws IOException;

    /** The key bytes are stored under: their lowercase hex SHA-256. */
    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores bytes already in memory (a model graph, say) and returns their sha256. */
    default String putBytes(byte[] bytes) throws IOException {
        String sha256 = sha256(bytes);
        Path file = java.nio.file.Files.createTempFile(scratchDirectory(), "blob", ".bin");
        java.nio.file.Files.write(file, bytes);
        putFile(sha256, file);
        return sha256;
    }

    /**
     * Opens a blob for reading; the caller closes the stream. A blob that is not stored throws
     * {@link java.nio.file.NoSuchFileException}.
     */
    InputStream open(String sha256) throws IOException;

    /**
     * Opens {@code length} bytes of a blob from byte {@code offset} on (a download's {@code Range}),
     * without reading what lies outside them where the store can help it.
     */
    default InputStream open(String sha256, long offset, long length) throws IOException {
        InputStream in = open(sha256);
        try {
            in.skipNBytes(offset);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        return new SliceInputStream(in, length);
    }

    boolean exists(String sha256);

    long size(String sha256) throws IOException;

    void delete(String sha256) throws IOException;

    /** A directory on the same file system for temporary files that will be {@link #putFile put}. */
    Path scratchDirectory() throws IOException;

    /** Throws when the store cannot be written to; used by the readiness check. */
    void checkWritable() throws IOException;

    /** Releases the store's client and this process's scratch folder. */
    @Override
    void close();
}
