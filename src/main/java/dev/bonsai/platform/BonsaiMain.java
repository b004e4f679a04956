package dev.bonsai.platform;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;

/**
 * Entry point. With {@code DB_URL} unset, Bonsai starts its own PostgreSQL (data under
 * {@code BONSAI_PG_DIR}, default {@code ./data/pg}) before Quarkus reads its datasource settings,
 * and stops it after Quarkus has shut down. With {@code DB_URL} set, no database is started.
 */
@QuarkusMain
public final class BonsaiMain {

    private BonsaiMain() {
    }

    public static void main(String... args) throws Exception {
        // Quarkus would answer a URI that java.net.URI cannot parse (a malformed escape such as %zz) with an empty
        // 400 before any route runs; HttpEdge checks the URI itself and answers with a problem instead. Read once,
        // when Quarkus's HTTP classes load, so it is set before Quarkus starts (and by surefire for tests).
        System.setProperty(HttpEdge.URI_VALIDATION_PROPERTY, "true");
        handleStopSignals();
        String dbUrl = System.getenv("DB_URL");
        if (dbUrl != null && !dbUrl.isBlank()) {
            runUnlessStopped(args);
        } else {
            Path dataDir = Path.of(setting("BONSAI_PG_DIR", "bonsai.database.embedded-dir", "./data/pg"));
            try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir, EmbeddedDatabase.DEFAULT_PORT_ANY)) {
                database.exportAsQuarkusDatasource();
                runUnlessStopped(args);
            }
        }
        // Everything of ours has stopped: only now do the JVM's shutdown hooks run, ONNX Runtime's among them.
        System.exit(0);
    }

    private static volatile boolean stopRequested;

    /**
     * SIGTERM and SIGINT stop the application from here rather than through the JVM's shutdown hooks,
     * which run at once and side by side: ONNX Runtime's own hook releases its environment, and did so
     * under a session being created (a SIGBUS in {@code OrtSession.createSession}). Stopped this way,
     * Quarkus shuts down first (jobs give their work back, sessions being created finish and every
     * session is closed), and the hooks run after.
     */
    private static void handleStopSignals() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    stopRequested = true;
                    Quarkus.asyncExit(0);
                });
            } catch (IllegalArgumentException unsupported) {
                // Not a signal on this platform: the JVM's own handling stays.
            }
        }
    }

    private static void runUnlessStopped(String... args) {
        if (!stopRequested) {
            Quarkus.run(args);
        }
    }

    private static String setting(String env, String property, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? fallback : value;
    }
}
