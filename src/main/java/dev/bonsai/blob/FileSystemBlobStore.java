package dev.bonsai.blob;

import dev.bonsai.platform.BonsaiConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Blobs as files under {@code <dir>/sha256/ab/cd/<sha256>}, written by atomic rename. Temporary
 * files (uploads being received, bundles being built) live in a scratch folder of this process's
 * own, {@code <dir>/tmp/<random>/}, locked for as long as the process lives. Opening the store
 * removes the scratch folders whose lock nobody holds: what a crashed or killed process left.
 */
@ApplicationScoped
public class FileSystemBlobStore implements BlobStore {

    private static final Logger LOG = Logger.getLogger(FileSystemBlobStore.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final String LOCK = ".lock";
    /** Files directly under tmp/ come from versions before per-process folders; any older than this are left over. */
    private static final Duration LOOSE_FILE_AGE = Duration.ofHours(1);

    private final Path root;
    private Path scratch;
    private FileChannel scratchLockChannel;
    private FileLock scratchLock;

    @Inject
    public FileSystemBlobStore(BonsaiConfig config) {
        this(config.blobs().dir());
    }

    public FileSystemBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Clears what a crashed process left in tmp/ as the server starts, not at the first upload. */
    void onStart(@Observes StartupEvent event) throws IOException {
        scratchDirectory();
    }

    @Override
    public void putFile(String sha256, Path file) throws IOException {
        Path target = pathOf(sha256);
        if (Files.exists(target)) {
            Files.deleteIfExists(file);
            return;
        }
        Files.createDirectories(target.getParent());
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(file);
        } catch (AtomicMoveNotSupportedException e) {
            Path staged = Files.createTempFile(target.getParent(), ".incoming", ".tmp");
            Files.move(file, staged, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        return Files.newInputStream(pathOf(sha256));
    }

    @Override
    public boolean exists(String sha256) {
        return Files.exists(pathOf(sha256));
    }

    @Override
    public long size(String sha256) throws IOException {
        return Files.size(pathOf(sha256));
    }

    @Override
    public void delete(String sha256) throws IOException {
        try {
            Files.delete(pathOf(sha256));
        } catch (NoSuchFileException e) {
            // already gone: deleting is idempotent
        }
    }

    @Override
    public synchronized Path scratchDirectory() throws IOException {
        if (scratch == null || !Files.isDirectory(scratch)) {
            openScratch();
        }
        return scratch;
    }

    /** Sweeps what dead processes left under tmp/, then makes and locks this process's own folder. */
    private void openScratch() throws IOException {
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        removeLeftovers(tmp);
        Path own = Files.createDirectories(tmp.resolve(UUID.randomUUID().toString()));
        FileChannel channel = FileChannel.open(own.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        scratchLock = channel.lock();
        scratchLockChannel = channel;
        scratch = own;
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

    /** Releases this process's scratch folder and removes it. */
    @PreDestroy
    synchronized void close() {
        if (scratch == null) {
            return;
        }
        try {
            scratchLock.release();
            scratchLockChannel.close();
            deleteTree(scratch);
        } catch (IOException e) {
            LOG.warnf("Could not remove the scratch folder %s: %s", scratch, e.getMessage());
        }
        scratch = null;
    }

    @Override
    public void checkWritable() throws IOException {
        Path probe = Files.createTempFile(scratchDirectory(), "ready", ".probe");
        Files.delete(probe);
    }

    private Path pathOf(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256 key: " + sha256);
        }
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }
}
