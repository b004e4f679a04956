package dev.bonsai.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * Blobs as files under {@code <dir>/sha256/ab/cd/<sha256>}, written by atomic rename: the embedded
 * default, and a folder many replicas share when it is on a shared volume. Scratch files live in
 * this process's own {@link ScratchFolder} under {@code <dir>/tmp/}, on the same file system, so
 * storing a finished file is a rename.
 */
public final class FileSystemBlobStore implements BlobStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final ScratchFolder scratch;

    public FileSystemBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.scratch = new ScratchFolder(this.root);
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
    public InputStream open(String sha256, long offset, long length) throws IOException {
        FileChannel channel = FileChannel.open(pathOf(sha256), StandardOpenOption.READ);
        try {
            channel.position(offset);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new SliceInputStream(Channels.newInputStream(channel), length);
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
    public Path scratchDirectory() throws IOException {
        return scratch.path();
    }

    @Override
    public void checkWritable() throws IOException {
        scratch.checkWritable();
        Files.createDirectories(root.resolve("sha256"));
        if (!Files.isWritable(root.resolve("sha256"))) {
            throw new IOException("the blob folder is not writable");
        }
    }

    @Override
    public void close() {
        scratch.close();
    }

    @Override
    public String toString() {
        return "files in " + root;
    }

    private Path pathOf(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256 key: " + sha256);
        }
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }
}
