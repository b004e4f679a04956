package dev.bonsai.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every blob store promises, checked on the file system and on a real S3-compatible server
 * (S3Proxy, started here): content in and out unchanged, ranges, idempotent writes and deletes,
 * missing blobs as {@link NoSuchFileException}, and artifacts larger than one part.
 */
class BlobStoreContractTest {

    /** The smallest part S3 allows, so that a 12 MB artifact goes up in three parts. */
    private static final long PART_SIZE = S3BlobStore.MIN_PART_SIZE;

    @TempDir
    static Path dir;

    private static S3Server server;
    private static FileSystemBlobStore files;
    private static S3BlobStore s3;
    private static S3BlobStore s3Prefixed;

    @BeforeAll
    static void start() throws IOException {
        server = S3Server.start(dir.resolve("s3-server"));
        files = new FileSystemBlobStore(dir.resolve("files"));
        s3 = s3Store("");
        s3Prefixed = s3Store("other-installation");
    }

    private static S3BlobStore s3Store(String prefix) {
        return new S3BlobStore(BlobStores.client(server.endpoint(), "us-east-1", S3Server.ACCESS_KEY_ID,
                S3Server.SECRET_ACCESS_KEY, true), S3Server.BUCKET, prefix, PART_SIZE, dir.resolve("s3-scratch"));
    }

    @AfterAll
    static void stop() {
        Stream.of(files, s3, s3Prefixed).forEach(BlobStore::close);
        server.close();
    }

    static List<BlobStore> stores() {
        return List.of(files, s3, s3Prefixed);
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void whatGoesInComesOutAndTheFileIsMovedIn(BlobStore store) throws IOException {
        byte[] bytes = randomBytes(100_000, 1);
        Path file = scratchFile(store, bytes);
        String sha256 = sha256(bytes);
        assertFalse(store.exists(sha256));

        store.putFile(sha256, file);

        assertFalse(Files.exists(file), "the local file is gone once stored");
        assertTrue(store.exists(sha256));
        assertEquals(bytes.length, store.size(sha256));
        try (InputStream in = store.open(sha256)) {
            assertArrayEquals(bytes, in.readAllBytes());
        }

        Path again = scratchFile(store, bytes);
        store.putFile(sha256, again);
        assertFalse(Files.exists(again), "storing the same content again only removes the file");
        assertEquals(bytes.length, store.size(sha256));
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void anArtifactLargerThanAPartRoundTripsAndReadsByRange(BlobStore store) throws IOException {
        byte[] bytes = randomBytes((int) (2 * PART_SIZE + 1_234_567), 2);
        String sha256 = sha256(bytes);
        store.putFile(sha256, scratchFile(store, bytes));

        try (InputStream in = store.open(sha256)) {
            assertEquals(sha256, sha256(in.readAllBytes()), "the whole artifact comes back unchanged");
        }
        long acrossParts = PART_SIZE - 10;
        try (InputStream in = store.open(sha256, acrossParts, 20)) {
            assertArrayEquals(Arrays.copyOfRange(bytes, (int) acrossParts, (int) acrossParts + 20), in.readAllBytes(),
                    "a range across a part boundary");
        }
        try (InputStream in = store.open(sha256, bytes.length - 7, 7)) {
            assertArrayEquals(Arrays.copyOfRange(bytes, bytes.length - 7, bytes.length), in.readAllBytes(), "the last bytes");
        }
        try (InputStream in = store.open(sha256, 0, 0)) {
            assertEquals(0, in.readAllBytes().length);
        }
        store.delete(sha256);
        assertFalse(store.exists(sha256));
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void aMissingBlobIsNoSuchFileAndDeletingIsIdempotent(BlobStore store) throws IOException {
        String missing = sha256("never stored".getBytes(StandardCharsets.UTF_8));
        assertFalse(store.exists(missing));
        assertThrows(NoSuchFileException.class, () -> store.open(missing).close());
        assertThrows(NoSuchFileException.class, () -> store.open(missing, 3, 4).close());
        assertThrows(NoSuchFileException.class, () -> store.size(missing));
        store.delete(missing);

        String sha256 = store.putBytes("delete me".getBytes(StandardCharsets.UTF_8));
        store.delete(sha256);
        store.delete(sha256);
        assertFalse(store.exists(sha256));
        assertThrows(IllegalArgumentException.class, () -> store.exists("../../etc/passwd"));
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void aStoreThatCanWriteIsReadyAndKeepsItsScratchLocal(BlobStore store) throws IOException {
        store.checkWritable();
        Path scratch = store.scratchDirectory();
        assertTrue(Files.isDirectory(scratch));
        assertEquals("tmp", scratch.getParent().getFileName().toString());
    }

    @Test
    void objectsAreKeyedByContentUnderThePrefixAndNothingElseIsLeft() throws IOException {
        byte[] bytes = randomBytes((int) PART_SIZE + 1, 3);
        String sha256 = sha256(bytes);
        s3Prefixed.putFile(sha256, scratchFile(s3Prefixed, bytes));
        s3Prefixed.checkWritable();

        assertTrue(server.keys().contains("other-installation/sha256/" + sha256.substring(0, 2) + "/"
                + sha256.substring(2, 4) + "/" + sha256), server.keys().toString());
        assertFalse(s3.exists(sha256), "another prefix is another installation");
        assertTrue(server.keys().stream().noneMatch(key -> key.contains("probes/")), "readiness probes clean up after themselves");
        assertEquals(0, server.unfinishedUploads(), "every multipart upload was completed");
        s3Prefixed.delete(sha256);
    }

    @Test
    void aServerThatRefusesTheCredentialsMakesTheStoreNotReadyWithoutSayingTheSecret() {
        String secret = "not-the-secret-" + System.nanoTime();
        try (S3BlobStore wrong = new S3BlobStore(BlobStores.client(server.endpoint(), "us-east-1", S3Server.ACCESS_KEY_ID,
                secret, true), S3Server.BUCKET, "", PART_SIZE, dir.resolve("wrong-scratch"))) {
            IOException refused = assertThrows(IOException.class, wrong::checkWritable);
            assertTrue(refused.getMessage().startsWith("Could not write s3://" + S3Server.BUCKET + "/"), refused.getMessage());
            assertFalse(refused.getMessage().contains(secret));
            assertThrows(IOException.class, () -> wrong.putBytes("x".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void aBucketThatDoesNotExistIsNotReady() {
        try (S3BlobStore nowhere = new S3BlobStore(BlobStores.client(server.endpoint(), "us-east-1", S3Server.ACCESS_KEY_ID,
                S3Server.SECRET_ACCESS_KEY, true), "no-such-bucket", "", PART_SIZE, dir.resolve("nowhere-scratch"))) {
            assertThrows(IOException.class, nowhere::checkWritable);
        }
    }

    private static Path scratchFile(BlobStore store, byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(store.scratchDirectory(), "test", ".bin"), bytes);
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
