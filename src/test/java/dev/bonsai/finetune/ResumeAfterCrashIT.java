package dev.bonsai.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.platform.EmbeddedDatabase;
import dev.bonsai.support.Api;
import dev.bonsai.support.PackagedServer;
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
 * resumes from the checkpoint and completes it, with the model an uninterrupted run of the same
 * request makes. Then a batch through that model is killed the same way after two chunks of its
 * output were stored, and the next server goes on from there to the output an uninterrupted batch
 * of the same file makes.
 */
class ResumeAfterCrashIT {

    private static final String ADMIN_KEY = "resume-test-admin-key-0001";
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void jobResumesFromItsCheckpointAfterTheServerIsKilled() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("pg"), EmbeddedDatabase.DEFAULT_PORT_ANY)) {
            Map<String, String> environment = new java.util.HashMap<>(PackagedServer.replicaOf(database, work, ADMIN_KEY));
            environment.put("BONSAI_BATCH_CHUNK_ROWS", "40");
            PackagedServer first = PackagedServer.start(environment, work.resolve("server.log"));
            String key;
            String jobId;
            String request;
            String model;
            String batchId;
            try {
                key = first.post("/v1/tenants", ADMIN_KEY, "application/json", "{\"name\":\"resume\"}")
                        .get("apiKey").get("secret").asText();
                String dataset = first.post("/v1/datasets?name=topics", key, "text/csv", Api.sampleCsv(20)).get("id")
                        .asText();
                request = JSON.writeValueAsString(Map.of(
                        "baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "partial",
                        "hyperparameters", Map.of("epochs", 4, "batchSize", 4, "unfreezeLayers", 2,
                                "maxSequenceLength", 32, "earlyStoppingPatience", 10)));
                jobId = first.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
                awaitJob(first, key, jobId, job -> job.path("checkpointEpoch").asInt(0) >= 1);
            } finally {
                first.kill();
            }
            PackagedServer second = PackagedServer.start(environment, work.resolve("server.log"));
            try {
                JsonNode job = awaitJob(second, key, jobId, node -> List.of("succeeded", "failed", "cancelled")
                        .contains(node.get("status").asText()));
                assertEquals("succeeded", job.get("status").asText(), job.toPrettyString());
                JsonNode events = second.get("/v1/fine-tuning/jobs/" + jobId + "/events?limit=100", key).get("data");
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

                // The same request, not interrupted: the two models answer alike, to the last bit.
                String again = second.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
                JsonNode uninterrupted = awaitJob(second, key, again, node -> List.of("succeeded", "failed", "cancelled")
                        .contains(node.get("status").asText()));
                assertEquals("succeeded", uninterrupted.get("status").asText(), uninterrupted.toPrettyString());
                String texts = JSON.writeValueAsString(Map.of("inputs", List.of("The storm story told by a friend",
                        "A recipe for the weekend", "The final score of the match"), "topK", 3));
                JsonNode resumedAnswer = second.post("/v1/models/" + job.get("modelId").asText() + "/predictions", key,
                        "application/json", texts).get("data");
                JsonNode uninterruptedAnswer = second.post("/v1/models/" + uninterrupted.get("modelId").asText()
                        + "/predictions", key, "application/json", texts).get("data");
                assertEquals(uninterruptedAnswer, resumedAnswer, "the resumed job's model is the uninterrupted run's");
                assertEquals(uninterrupted.get("result").get("validation"), job.get("result").get("validation"));
                model = job.get("modelId").asText();
                batchId = second.post("/v1/batches?model=" + model, key, "text/csv", BATCH_INPUT).get("id").asText();
                // Killed once two chunks of its output (40 rows each here) are stored, before it ends.
                JsonNode batch = second.await("/v1/batches/" + batchId, key, node -> node.get("rowsDone").asInt() >= 80
                        || !node.get("status").asText().matches("queued|running"), TIMEOUT);
                assertEquals("running", batch.get("status").asText(), "still running when the server is killed: " + batch);
            } finally {
                second.kill();
            }

            // A batch goes on after its last stored chunk in the next server, and answers every row once.
            PackagedServer third = PackagedServer.start(environment, work.resolve("server.log"));
            try {
                JsonNode batch = third.await("/v1/batches/" + batchId, key, node -> List.of("succeeded", "failed",
                        "cancelled").contains(node.get("status").asText()), TIMEOUT);
                assertEquals("succeeded", batch.get("status").asText(), batch.toPrettyString());
                String events = third.send("GET", "/v1/batches/" + batchId + "/events?limit=100", key, null, null).body();
                assertTrue(events.contains("Resuming after row "), events);
                String resumed = third.send("GET", "/v1/batches/" + batchId + "/output", key, null, null).body();
                String again = third.post("/v1/batches?model=" + model, key, "text/csv", BATCH_INPUT).get("id").asText();
                assertEquals("succeeded", third.await("/v1/batches/" + again, key, node -> List.of("succeeded", "failed",
                        "cancelled").contains(node.get("status").asText()), TIMEOUT).get("status").asText());
                String uninterrupted = third.send("GET", "/v1/batches/" + again + "/output", key, null, null).body();
                assertEquals(BATCH_ROWS, resumed.split("\n").length);
                assertEquals(uninterrupted, resumed, "every row once, as an uninterrupted batch answers it");
            } finally {
                third.stop();
            }
        }
    }

    private static final int BATCH_ROWS = 1500;
    /** Texts none of which names its topic, for a batch long enough to be killed in the middle. */
    private static final String BATCH_INPUT;

    static {
        String[] words = {"goal", "storm", "oven", "team", "rain", "salt"};
        StringBuilder csv = new StringBuilder("text\n");
        for (int i = 0; i < BATCH_ROWS; i++) {
            csv.append("Another ").append(words[i % words.length]).append(" item numbered ").append(i).append('\n');
        }
        BATCH_INPUT = csv.toString();
    }

    private static JsonNode awaitJob(PackagedServer server, String key, String jobId, Predicate<JsonNode> condition)
            throws Exception {
        return server.await("/v1/fine-tuning/jobs/" + jobId, key, condition, TIMEOUT);
    }
}
