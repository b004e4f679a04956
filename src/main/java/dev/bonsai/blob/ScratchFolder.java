package dev.bonsai.blob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A local folder of this process's own, {@code <dir>/tmp/<random>/}, for files being written
 * before they are stored (uploads being received, bundles being built). It is locked for as long
 * as the process lives; opening one removes the folders whose lock nobody holds: what a crashed or
 * killed process left. Every blob store keeps its scratch files on local disk, whatever it stores
 * blobs in.
 */
final class ScratchFolder implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ScratchFolder.class);
    private static final String LOCK = ".lock";
    /** Files directly under tmp/ come from versions before per-process folders; any older than this are left over. */
    private static final Duration LOOSE_FILE_AGE = Duration.ofHours(1);

    private final Path tmp;
    private Path own;
    private FileChannel lockChannel;
    private FileLock lock;

    /** @param dir the folder whose {@code tmp/} holds every process's scratch folder */
    ScratchFolder(Path dir) {
        this.tmp = dir.toAbsolutePath().normalize().resolve("tmp");
    }

    /** This process's folder, made (after sweeping what dead processes left) when first asked for or when removed. */
    synchronized Path path() throws IOException {
        if (own == null || !Files.isDirectory(own)) {
            open();
        }
        return own;
    }

    /** Throws unless a file can be made (and removed) in this process's folder. */
    void checkWritable() throws IOException {
        Path probe = Files.createTempFile(path(), "ready", ".probe");
        Files.delete(probe);
    }

    private void open() throws IOException {
        Files.createDirectories(tmp);
        removeLeftovers(tmp);
        Path folder = Files.createDirectories(tmp.resolve(UUID.randomUUID().toString()));
        FileChannel channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = channel.lock();
        lockChannel = channel;
        own = folder;
    }

    static void removeLeftovers(Path tmp) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry)) {
                    if (abandoned(entry)) {
                        deleteTree(entry);
                        removed++;
                    }
                } else if (Files.getLastModifiedTime(entry).toInstant().isBefore(Instant.now().minus(LOOSE_FILE_AGE))) {
                    Files.deleteIfExists(entry);
                    removed++;
                }
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d temporary file(s) or folder(s) left in %s by processes that have stopped.", removed, tmp);
        }
    }

    /** A scratch folder is abandoned when no live process holds its lock (the system frees it when a process dies). */
    private static boolean abandoned(Path folder) throws IOException {
        Path lock = folder.resolve(LOCK);
        if (!Files.exists(lock)) {
            // Made but not yet locked by a starting process, or left by one that died in between: leave young ones.
            return Files.getLastModifiedTime(folder).toInstant().isBefore(Instant.now().minus(LOOSE_FILE_AGE));
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock held = channel.tryLock()) {
            return held != null;
        } catch (OverlappingFileLockException e) {
            return false; // held by this very process
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Releases this process's folder and removes it. */
    @Override
    public synchronized void close() {
        if (own == null) {
            return;
        }
        try {
            lock.release();
            lockChannel.close();
            deleteTree(own);
        } catch (IOException e) {
            LOG.warnf("Could not remove the scratch folder %s: %s", own, e.getMessage());
        }
        own = null;
    }
}
