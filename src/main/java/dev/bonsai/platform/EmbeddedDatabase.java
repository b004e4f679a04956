package dev.bonsai.platform;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A PostgreSQL server started from the binaries packaged on the classpath. It keeps its data in the
 * given directory (a restart finds everything again) and is stopped by {@link #close()}.
 *
 * <p>While it runs, this process holds an exclusive lock on {@code <dataDir>.lock}, so a second
 * server on the same directory is refused with a clear message. The operating system frees that
 * lock when a process dies however it dies, so a server that finds the lock free and a postmaster
 * still running on its directory knows that postmaster was left behind by a crashed predecessor:
 * it stops it and starts its own. A postmaster is recognised as ours only by its working directory
 * being the data directory (PostgreSQL changes into it); any other process is never touched.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    /** Pass as the port to let the operating system choose a free one. */
    public static final int DEFAULT_PORT_ANY = 0;

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);
    private static final String DATABASE = "postgres";
    private static final String USER = "postgres";
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedDatabase(EmbeddedPostgres postgres, FileChannel lockChannel, FileLock lock) {
        this.postgres = postgres;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Starts PostgreSQL on {@code dataDir}, creating the cluster on first use.
     *
     * @param port a TCP port on loopback, or {@link #DEFAULT_PORT_ANY}
     */
    public static EmbeddedDatabase start(Path dataDir, int port) {
        FileChannel lockChannel = null;
        try {
            Files.createDirectories(dataDir);
            Path lockFile = dataDir.toAbsolutePath().normalize().resolveSibling(dataDir.getFileName() + ".lock");
            lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("another Bonsai server is using the embedded database in " + dataDir
                        + " (it holds " + lockFile + "); stop it first, or give this one its own BONSAI_PG_DIR");
            }
            stopLeftoverPostmaster(dataDir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir.toAbsolutePath())
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(true)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("listen_addresses", "127.0.0.1");
            if (port != DEFAULT_PORT_ANY) {
                builder.setPort(port);
            }
            return new EmbeddedDatabase(builder.start(), lockChannel, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lockChannel);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDir, io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Stops the postmaster that a crashed predecessor left running on {@code dataDir}, or removes
     * its lock file when the process it names is gone or is not a postmaster of this directory.
     * Called only while holding the directory's lock, so no live Bonsai server uses that postmaster.
     */
    static void stopLeftoverPostmaster(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        Optional<ProcessHandle> process = lines.isEmpty() ? Optional.empty()
                : parsePid(lines.get(0)).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
        if (process.isEmpty() || !workingDirectoryIs(process.get().pid(), dataDir)) {
            LOG.infof("Removing %s: the process it names is not a PostgreSQL server of this directory.", pidFile);
            Files.deleteIfExists(pidFile);
            return;
        }
        ProcessHandle postmaster = process.get();
        LOG.warnf("A PostgreSQL server (pid %d) left by a previous Bonsai process is still running on %s; stopping it.",
                postmaster.pid(), dataDir);
        // SIGTERM is PostgreSQL's smart shutdown: its clients died with the previous process, so it
        // checkpoints and exits at once.
        postmaster.destroy();
        if (!awaitExit(postmaster, STOP_WAIT)) {
            LOG.warnf("PostgreSQL (pid %d) did not stop within %s; killing it (it recovers from its log on the next start).",
                    postmaster.pid(), STOP_WAIT);
            postmaster.destroyForcibly();
            if (!awaitExit(postmaster, STOP_WAIT)) {
                throw new IllegalStateException("could not stop the PostgreSQL server (pid " + postmaster.pid()
                        + ") left running on " + dataDir);
            }
        }
        Files.deleteIfExists(pidFile);
    }

    private static Optional<Long> parsePid(String line) {
        try {
            return Optional.of(Long.parseLong(line.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the process works in {@code dataDir}, as a postmaster does in its data directory (Linux /proc). */
    private static boolean workingDirectoryIs(long pid, Path dataDir) {
        try {
            return Path.of("/proc", Long.toString(pid), "cwd").toRealPath().equals(dataDir.toRealPath());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debugf("closing the database lock: %s", e.getMessage());
            }
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    public int port() {
        return postgres.getPort();
    }

    /** Datasource settings for Quarkus, as configuration properties. */
    public Map<String, String> datasourceProperties() {
        return Map.of(
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE,
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", "");
    }

    /** Makes Quarkus use this server: system properties outrank application.properties. */
    void exportAsQuarkusDatasource() {
        datasourceProperties().forEach(System::setProperty);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL", e);
        } finally {
            try {
                lock.release();
            } catch (IOException e) {
                LOG.debugf("releasing the database lock: %s", e.getMessage());
            }
            closeQuietly(lockChannel);
        }
    }
}
