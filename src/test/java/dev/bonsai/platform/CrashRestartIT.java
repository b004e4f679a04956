package dev.bonsai.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.PackagedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default deployment (embedded PostgreSQL, blobs on the file system) killed with SIGKILL comes
 * back on the first start: the postmaster the dead server left running is stopped and replaced,
 * nothing stored is lost, and the temporary files of the dead process are removed. A second server
 * on the same data directory is refused and leaves the running one alone.
 */
class CrashRestartIT {

    private static final String ADMIN_KEY = "crash-restart-admin-key-0001";

    @TempDir
    Path work;

    /** Leaves no PostgreSQL behind, even when an assertion failed before the server that owns it stopped. */
    @AfterEach
    void stopAnyLeftPostmaster() throws Exception {
        EmbeddedDatabase.stopLeftoverPostmaster(work.resolve("pg"));
    }

    @Test
    void aKilledServerRestartsCleanlyOnItsFirstTry() throws Exception {
        Map<String, String> environment = Map.of("BONSAI_ADMIN_KEY", ADMIN_KEY,
                "BONSAI_PG_DIR", work.resolve("pg").toString(), "BONSAI_BLOB_DIR", work.resolve("blobs").toString());
        Path tmp = work.resolve("blobs").resolve("tmp");
        Path pidFile = work.resolve("pg").resolve("postmaster.pid");

        PackagedServer first = PackagedServer.start(environment, work.resolve("first.log"));
        String tenant = first.post("/v1/tenants", ADMIN_KEY, "application/json", "{\"name\":\"survivor\"}").get("id").asText();
        List<Path> firstScratch = folders(tmp);
        assertEquals(1, firstScratch.size(), "the running server has its own scratch folder: " + firstScratch);
        Files.writeString(firstScratch.get(0).resolve("upload-interrupted.part"), "text,label\nhalf a file");
        first.kill();
        long orphan = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
        assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false),
                "the killed server's PostgreSQL is still running, as after any crash");

        PackagedServer second = PackagedServer.start(environment, work.resolve("second.log"));
        try {
            assertFalse(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false), "the orphan was stopped");
            assertEquals("survivor", second.get("/v1/tenants/" + tenant, ADMIN_KEY).get("name").asText());
            List<Path> secondScratch = folders(tmp);
            assertEquals(1, secondScratch.size(), "only the new server's scratch folder is left: " + secondScratch);
            assertNotEquals(firstScratch.get(0), secondScratch.get(0));

            // A second server on the same data directory is refused, and the running one is not touched.
            long postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            PackagedServer intruder = PackagedServer.launch(environment, work.resolve("intruder.log"));
            assertTrue(intruder.process().waitFor(2, java.util.concurrent.TimeUnit.MINUTES), "the intruder gives up");
            assertNotEquals(0, intruder.process().exitValue());
            assertTrue(Files.readString(work.resolve("intruder.log")).contains("another Bonsai server is using the embedded database"),
                    Files.readString(work.resolve("intruder.log")));
            assertTrue(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false));
            assertEquals("survivor", second.get("/v1/tenants/" + tenant, ADMIN_KEY).get("name").asText());
        } finally {
            second.stop();
        }
        assertFalse(Files.exists(pidFile), "a clean stop stops PostgreSQL too");
        assertEquals(List.of(), folders(tmp), "a clean stop removes its scratch folder");
    }

    private static List<Path> folders(Path tmp) throws Exception {
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(Files::isDirectory).sorted().toList();
        }
    }
}
