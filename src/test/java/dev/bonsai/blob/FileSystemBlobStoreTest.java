package dev.bonsai.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporary files: each process has its own locked scratch folder, and only what dead processes left is swept. */
class FileSystemBlobStoreTest {

    @TempDir
    Path root;

    @Test
    void onlyWhatNoLiveProcessHoldsIsSwept() throws Exception {
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Path dead = Files.createDirectories(tmp.resolve(UUID.randomUUID().toString()));
        Files.createFile(dead.resolve(".lock"));
        Files.writeString(dead.resolve("upload-1.part"), "text,label\nhalf a fi");
        Path live = Files.createDirectories(tmp.resolve(UUID.randomUUID().toString()));
        Path young = Files.writeString(tmp.resolve("bundle-2.zip"), "an older version's file, being written");
        Path old = Files.writeString(tmp.resolve("upload-3.part"), "an older version's file, left by a crash");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        Process holder = holdLock(live.resolve(".lock"));
        try {
            ScratchFolder.removeLeftovers(tmp);
            assertFalse(Files.exists(dead), "the dead process's folder is removed");
            assertTrue(Files.exists(live.resolve(".lock")), "a live process's folder is kept");
            assertTrue(Files.exists(young), "a recent loose file is kept");
            assertFalse(Files.exists(old), "an old loose file is removed");
        } finally {
            holder.destroyForcibly().waitFor();
        }
        ScratchFolder.removeLeftovers(tmp);
        assertFalse(Files.exists(live), "once its process has died, its folder goes too");
    }

    @Test
    void aStoreWorksInItsOwnFolderAndRemovesItWhenClosed() throws Exception {
        FileSystemBlobStore store = new FileSystemBlobStore(root);
        Path scratch = store.scratchDirectory();
        assertEquals(root.resolve("tmp"), scratch.getParent());
        String sha256 = store.putBytes("some bytes".getBytes(StandardCharsets.UTF_8));
        assertTrue(store.exists(sha256));
        try (Stream<Path> left = Files.list(scratch)) {
            assertEquals(1, left.count(), "only the lock file is left once the blob is stored");
        }
        store.close();
        assertFalse(Files.exists(scratch), "closing the store removes its folder");
        assertTrue(Files.exists(root.resolve("tmp")));
    }

    /** A child JVM that holds an exclusive lock on {@code file} until it is killed. */
    private static Process holdLock(Path file) throws Exception {
        Path source = Files.writeString(file.getParent().getParent().getParent().resolve("Holder.java"), """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class Holder {
                    public static void main(String[] args) throws Exception {
                        FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        channel.lock();
                        System.out.println("locked");
                        Thread.sleep(120_000);
                    }
                }
                """);
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                source.toString(), file.toString()).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String line = output.readLine();
        if (!"locked".equals(line)) {
            holder.destroyForcibly();
            throw new AssertionError("the lock holder did not start: " + line);
        }
        return holder;
    }
}
