package dev.bonsai.compression;

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
 * The packaged server is killed (SIGKILL) while a compression job distils, after it stored its
 * first variant; a new server process on the same database and blob storage starts the job over
 * and completes it with one variant per recipe: what the interrupted attempt stored is removed,
 * not doubled.
 */
class CompressionResumeAfterCrashIT {

    private static final String ADMIN_KEY = "compression-resume-admin-key-0001";
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ENDED = List.of("succeeded", "failed", "cancelled");

    @TempDir
    Path work;

    @Test
    void anInterruptedCompressionStartsOverAndStoresEachVariantOnce() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("pg"), EmbeddedDatabase.DEFAULT_PORT_ANY)) {
            Map<String, String> environment = PackagedServer.replicaOf(database, work, ADMIN_KEY);
            PackagedServer first = PackagedServer.start(environment, work.resolve("server.log"));
            String key;
            String modelId;
            String jobId;
            try {
                key = first.post("/v1/tenants", ADMIN_KEY, "application/json", "{\"name\":\"resume\"}")
                        .get("apiKey").get("secret").asText();
                String dataset = first.post("/v1/datasets?name=topics", key, "text/csv", Api.sampleCsv(20)).get("id")
                        .asText();
                String training = first.post("/v1/fine-tuning/jobs", key, "application/json", JSON.writeValueAsString(Map.of(
                        "baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "head",
                        "hyperparameters", Map.of("epochs", 20)))).get("id").asText();
                modelId = await(first, "/v1/fine-tuning/jobs/" + training, key, job -> ENDED.contains(job.get("status")
                        .asText())).get("modelId").asText();
                jobId = first.post("/v1/compression/jobs", key, "application/json", JSON.writeValueAsString(Map.of(
                        "model", modelId, "device", "raspberry-pi-4",
                        "techniques", List.of("int8-dynamic", "layer-drop:3+int8-dynamic")))).get("id").asText();
                // Killed once the int8 variant is stored and the distillation has begun.
                String variants = "/v1/models/" + modelId;
                await(first, variants, key, model -> ofJob(model, jobId).size() == 1);
                await(first, "/v1/compression/jobs/" + jobId + "/events?limit=100", key, page -> messages(page).stream()
                        .anyMatch(message -> message.startsWith("layer-drop:3") && message.contains("Keeping layers")));
            } finally {
                first.kill();
            }
            PackagedServer second = PackagedServer.start(environment, work.resolve("server.log"));
            try {
                JsonNode job = await(second, "/v1/compression/jobs/" + jobId, key,
                        node -> ENDED.contains(node.get("status").asText()));
                assertEquals("succeeded", job.get("status").asText(), job.toPrettyString());
                List<String> messages = messages(second.get("/v1/compression/jobs/" + jobId + "/events?limit=100", key));
                assertTrue(messages.contains("Starting over: the variants of the interrupted attempt were removed."),
                        messages.toString());
                List<String> recipes = ofJob(second.get("/v1/models/" + modelId, key), jobId);
                assertEquals(List.of("int8-dynamic", "layer-drop:3+int8-dynamic"), recipes.stream().sorted().toList(),
                        "one variant per recipe, none left from the interrupted attempt");
                assertEquals(3, job.get("result").get("variants").size(), "the original and the two variants");
            } finally {
                second.stop();
            }
        }
    }

    private static List<String> ofJob(JsonNode model, String jobId) {
        List<String> recipes = new ArrayList<>();
        model.get("variants").forEach(variant -> {
            if (jobId.equals(variant.path("compressionJobId").asText())) {
                recipes.add(variant.get("recipe").asText());
            }
        });
        return recipes;
    }

    private static List<String> messages(JsonNode page) {
        List<String> messages = new ArrayList<>();
        page.get("data").forEach(event -> messages.add(event.get("message").asText()));
        return messages;
    }

    private static JsonNode await(PackagedServer server, String path, String key, Predicate<JsonNode> condition)
            throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode answer = server.get(path, key);
            if (condition.test(answer)) {
                return answer;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " did not get there in time: " + server.get(path, key));
    }
}
