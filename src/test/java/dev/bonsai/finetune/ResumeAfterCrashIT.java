package dev.bonsai.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server is killed (SIGKILL) while a fine-tuning job trains, after its first epoch
 * checkpoint; a new server process on the same database and blob storage picks the job up again,
 * resumes from the checkpoint and completes it.
 */
class ResumeAfterCrashIT {

    private static final String ADMIN_KEY = "resume-test-admin-key-0001";
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private int port;

    @Test
    void jobResumesFromItsCheckpointAfterTheServerIsKilled() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("pg"), EmbeddedDatabase.DEFAULT_PORT_ANY)) {
            port = freePort();
            Process first = startServer(database);
            String key;
            String jobId;
            try {
                key = post("/v1/tenants", ADMIN_KEY, "application/json", "{\"name\":\"resume\"}").get("apiKey").get("secret").asText();
                String dataset = post("/v1/datasets?name=topics", key, "text/csv", topics()).get("id").asText();
                jobId = post("/v1/fine-tuning/jobs", key, "application/json", JSON.writeValueAsString(Map.of(
                        "baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "partial",
                        "hyperparameters", Map.of("epochs", 4, "batchSize", 4, "unfreezeLayers", 2,
                                "maxSequenceLength", 32, "earlyStoppingPatience", 10)))).get("id").asText();
                awaitJob(key, jobId, job -> job.path("checkpointEpoch").asInt(0) >= 1);
            } finally {
                first.destroyForcibly().waitFor();
            }
            Process second = startServer(database);
            try {
                JsonNode job = awaitJob(key, jobId, node -> List.of("succeeded", "failed", "cancelled")
                        .contains(node.get("status").asText()));
                assertEquals("succeeded", job.get("status").asText(), job.toPrettyString());
                JsonNode events = get("/v1/fine-tuning/jobs/" + jobId + "/events?limit=100", key).get("data");
                List<String> messages = new ArrayList<>();
                List<Integer> epochs = new ArrayList<>();
                events.forEach(event -> {
                    messages.add(event.get("message").asText());
                    if (event.get("type").asText().equals("metrics") && event.get("message").asText().startsWith("Epoch ")) {
                        epochs.add(event.get("data").get("epoch").asInt());
                    }
                });
                assertTrue(messages.stream().anyMatch(m -> m.startsWith("Job resumed after an interruption")), messages.toString());
                assertTrue(messages.stream().anyMatch(m -> m.startsWith("Resuming training from the checkpoint saved after epoch")),
                        messages.toString());
                assertEquals(epochs.stream().distinct().sorted().toList(), List.of(1, 2, 3, 4), "every epoch trained: " + epochs);
                assertTrue(epochs.size() <= 5, "at most the interrupted epoch is trained twice: " + epochs);
            } finally {
                second.destroy();
                second.waitFor();
            }
        }
    }

    private Process startServer(EmbeddedDatabase database) throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("test.project.dir", "."));
        ProcessBuilder builder = new ProcessBuilder("java", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-jar",
                project.resolve("target/quarkus-app/quarkus-run.jar").toString());
        Map<String, String> environment = builder.environment();
        environment.put("DB_URL", database.datasourceProperties().get("quarkus.datasource.jdbc.url"));
        environment.put("DB_USER", database.datasourceProperties().get("quarkus.datasource.username"));
        environment.put("DB_PASSWORD", "");
        environment.put("PORT", Integer.toString(port));
        environment.put("BONSAI_ADMIN_KEY", ADMIN_KEY);
        environment.put("BONSAI_BLOB_DIR", work.resolve("blobs").toString());
        environment.put("BONSAI_JOB_HEARTBEAT_INTERVAL", "PT1S");
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("server.log").toFile()));
        Process process = builder.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return process;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited: " + Files.readString(work.resolve("server.log")));
            }
            Thread.sleep(250);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the server did not become ready: " + Files.readString(work.resolve("server.log")));
    }

    private JsonNode awaitJob(String key, String jobId, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = get("/v1/fine-tuning/jobs/" + jobId, key);
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " did not get there in time: " + get("/v1/fine-tuning/jobs/" + jobId, key));
    }

    private JsonNode post(String path, String key, String contentType, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, response.body());
        return JSON.readTree(response.body());
    }

    private JsonNode get(String path, String key) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + key)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String topics() {
        StringBuilder csv = new StringBuilder("text,label\n");
        String[] labels = {"sports", "weather", "cooking"};
        String[][] words = {{"match", "goal", "team", "score"}, {"rain", "sunny", "storm", "wind"}, {"bake", "recipe", "oven", "salt"}};
        for (int i = 0; i < 20; i++) {
            for (int l = 0; l < 3; l++) {
                csv.append("The ").append(words[l][i % 4]).append(" story number ").append(i).append(" about ")
                        .append(labels[l]).append(',').append(labels[l]).append('\n');
            }
        }
        return csv.toString();
    }
}
