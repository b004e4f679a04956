package dev.bonsai.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.platform.EmbeddedDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The packaged server ({@code target/quarkus-app/quarkus-run.jar}) as a separate process, for
 * tests that kill it, restart it or run several: its output goes to {@code log}, and it is ready
 * once {@code /q/health/ready} answers 200.
 */
public final class PackagedServer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STARTUP = Duration.ofMinutes(2);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Process process;
    private final int port;
    private final Path log;

    private PackagedServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * What a server needs to run on {@code database} with its blobs under {@code work}: a replica
     * that a crash test kills and starts again (heartbeats every second, so that another replica
     * takes its jobs over within seconds).
     */
    public static Map<String, String> replicaOf(EmbeddedDatabase database, Path work, String adminKey) {
        Map<String, String> datasource = database.datasourceProperties();
        return Map.of(
                "DB_URL", datasource.get("quarkus.datasource.jdbc.url"),
                "DB_USER", datasource.get("quarkus.datasource.username"),
                "DB_PASSWORD", "",
                "BONSAI_ADMIN_KEY", adminKey,
                "BONSAI_BLOB_DIR", work.resolve("blobs").toString(),
                "BONSAI_JOB_HEARTBEAT_INTERVAL", "PT1S");
    }

    /** Starts a server with these environment variables (PORT is chosen here) without waiting for it. */
    public static PackagedServer launch(Map<String, String> environment, Path log) throws IOException {
        Path project = Path.of(System.getProperty("test.project.dir", "."));
        // A native crash's report goes beside the log, where stop() looks for it.
        ProcessBuilder builder = new ProcessBuilder("java", "-XX:ErrorFile=" + log.toAbsolutePath().getParent()
                .resolve("hs_err_pid%p.log"), "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-jar",
                project.resolve("target/quarkus-app/quarkus-run.jar").toString());
        int port = freePort();
        builder.environment().putAll(environment);
        builder.environment().put("PORT", Integer.toString(port));
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new PackagedServer(builder.start(), port, log);
    }

    /** Starts a server and waits until it is ready; fails with its log if it exits or does not get ready. */
    public static PackagedServer start(Map<String, String> environment, Path log) throws IOException, InterruptedException {
        PackagedServer server = launch(environment, log);
        server.awaitReady();
        return server;
    }

    public void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with status " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            Thread.sleep(250);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the server did not become ready: " + Files.readString(log));
    }

    /** Where it listens, for clients other than this class. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public Process process() {
        return process;
    }

    /** SIGKILL, as a crash or the OOM killer would end it; returns once it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /**
     * SIGTERM, as an operator or Kubernetes stops it; returns once it has shut down, and fails unless
     * it shut down cleanly (status 143, the JVM's for SIGTERM, or 0; no fatal error in its log).
     */
    public void stop() throws InterruptedException, IOException {
        process.destroy();
        int status = process.waitFor();
        String output = Files.readString(log);
        if ((status != 143 && status != 0) || output.contains("A fatal error has been detected by the Java Runtime")) {
            String tail = output.substring(Math.max(0, output.length() - 4000));
            throw new AssertionError("the server did not shut down cleanly (status " + status + "): " + tail);
        }
    }

    public HttpResponse<String> send(String method, String path, String key, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST that must answer 200 or 201, as JSON. */
    public JsonNode post(String path, String key, String contentType, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = send("POST", path, key, contentType, body);
        if (response.statusCode() != 200 && response.statusCode() != 201) {
            throw new AssertionError("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** A GET that must answer 200, as JSON. */
    public JsonNode get(String path, String key) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", path, key, null, null);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** GETs {@code path} until what it answers meets {@code condition}; fails with the last answer after {@code timeout}. */
    public JsonNode await(String path, String key, java.util.function.Predicate<JsonNode> condition, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode answer = get(path, key);
            if (condition.test(answer)) {
                return answer;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " did not get there in time: " + get(path, key));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
