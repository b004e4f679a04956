package dev.bonsai.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.bonsai.support.ReplicaChecks.awaitEvent;
import static dev.bonsai.support.ReplicaChecks.awaitJob;
import static dev.bonsai.support.ReplicaChecks.awaitLog;
import static dev.bonsai.support.ReplicaChecks.ended;
import static dev.bonsai.support.ReplicaChecks.events;
import static dev.bonsai.support.ReplicaChecks.holderOf;
import static dev.bonsai.support.ReplicaChecks.modelsOf;
import static dev.bonsai.support.ReplicaChecks.signal;
import static dev.bonsai.support.ReplicaChecks.TIMEOUT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.platform.EmbeddedDatabase;
import dev.bonsai.support.Api;
import dev.bonsai.support.PackagedServer;
import dev.bonsai.support.ReplicaChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged servers on one database and one blob folder. The replica training a job is paused
 * ({@code kill -STOP}) until the other takes the job over, then woken ({@code kill -CONT}): the job
 * ends once, with one model, and the woken replica stores nothing more of it. Then the replica
 * training another job is stopped (SIGTERM): it gives the job back at once and the other resumes
 * it without waiting for heartbeats to lapse.
 */
class PausedReplicaIT {

    private static final String ADMIN_KEY = "paused-replica-admin-key-01";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STARTED_AS = Pattern.compile("Job scheduler started as (\\S+) ");

    @TempDir
    Path work;

    @Test
    void aJobRunsOnceWhateverReplicaPausesOrStops() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("pg"), EmbeddedDatabase.DEFAULT_PORT_ANY)) {
            Map<String, String> environment = new java.util.HashMap<>(PackagedServer.replicaOf(database, work, ADMIN_KEY));
            environment.put("BONSAI_JOB_CONCURRENCY", "2");
            Path[] logs = {work.resolve("a.log"), work.resolve("b.log")};
            PackagedServer[] replicas = {PackagedServer.launch(environment, logs[0]),
                    PackagedServer.launch(environment, logs[1])};
            try {
                for (PackagedServer replica : replicas) {
                    replica.awaitReady();
                }
                assertNotEquals(instanceName(logs[0]), instanceName(logs[1]), "two processes on one host have two names");

                PackagedServer api = replicas[0];
                String key = api.post("/v1/tenants", ADMIN_KEY, "application/json", "{\"name\":\"paused\"}")
                        .get("apiKey").get("secret").asText();
                String dataset = api.post("/v1/datasets?name=topics", key, "text/csv", Api.sampleCsv(20)).get("id").asText();
                String request = JSON.writeValueAsString(Map.of(
                        "baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "partial",
                        "hyperparameters", Map.of("epochs", 4, "batchSize", 4, "unfreezeLayers", 2,
                                "maxSequenceLength", 32, "earlyStoppingPatience", 10)));

                // 1. Paused past its heartbeats, then woken.
                String paused = api.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
                awaitJob(api, key, paused, job -> job.path("checkpointEpoch").asInt(0) >= 1);
                int holder = holderOf(List.of(logs), paused, 1);
                PackagedServer other = replicas[1 - holder];
                signal("STOP", replicas[holder]);
                long pausedAt = System.nanoTime();
                try {
                    awaitEvent(other, key, paused, m -> m.startsWith("Job resumed after an interruption (attempt 2)"));
                    System.out.printf("Takeover of a paused replica's job: %.1f s (heartbeats every 1 s, 4 missed)%n",
                            (System.nanoTime() - pausedAt) / 1e9);
                } finally {
                    signal("CONT", replicas[holder]);
                }
                JsonNode job = awaitJob(other, key, paused, ReplicaChecks::ended);
                assertEquals("succeeded", job.get("status").asText(), job.toPrettyString());
                awaitLog(logs[holder], "Attempt 1 of job " + paused + " no longer holds it");
                List<JsonNode> events = events(other, key, paused);
                List<String> messages = events.stream().map(event -> event.get("message").asText()).toList();
                assertTrue(messages.stream().anyMatch(m -> m.startsWith("The replica running this job stopped responding")),
                        messages.toString());
                assertEquals(1, messages.stream().filter(m -> m.endsWith(" is ready.")).count(), messages.toString());
                int resumedAt = messages.indexOf(messages.stream().filter(m -> m.startsWith("Job resumed")).findFirst()
                        .orElseThrow());
                List<Integer> epochsAfter = new ArrayList<>();
                for (JsonNode event : events.subList(resumedAt, events.size())) {
                    if (event.get("type").asText().equals("metrics")) {
                        epochsAfter.add(event.get("data").get("epoch").asInt());
                    }
                }
                assertEquals(epochsAfter.stream().distinct().sorted().toList(), epochsAfter,
                        "after the takeover only one attempt logs epochs: " + messages);
                assertEquals(1, modelsOf(other, key, paused), "one model for the job");
                assertEquals(job.get("modelId").asText(), other.get("/v1/models/" + job.get("modelId").asText(), key)
                        .get("id").asText());

                // 2. Stopped with SIGTERM: released at once, resumed by the other replica.
                PackagedServer survivor = other;
                String released = survivor.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
                awaitJob(survivor, key, released, node -> node.path("checkpointEpoch").asInt(0) >= 1);
                int stopped = holderOf(List.of(logs), released, 1);
                long stopAt = System.nanoTime();
                replicas[stopped].stop();
                PackagedServer remaining = replicas[1 - stopped];
                awaitEvent(remaining, key, released, m -> m.startsWith("Job resumed after an interruption (attempt 2)"));
                double takeoverSeconds = (System.nanoTime() - stopAt) / 1e9;
                JsonNode second = awaitJob(remaining, key, released, ReplicaChecks::ended);
                assertEquals("succeeded", second.get("status").asText(), second.toPrettyString());
                List<String> secondMessages = events(remaining, key, released).stream()
                        .map(event -> event.get("message").asText()).toList();
                assertTrue(secondMessages.stream().anyMatch(m -> m.startsWith("The server running this job is shutting down")),
                        secondMessages.toString());
                assertTrue(secondMessages.stream().noneMatch(m -> m.startsWith("The replica running this job stopped")),
                        "given back, not found abandoned: " + secondMessages);
                assertEquals(1, modelsOf(remaining, key, released));
                // Given back in the middle of an epoch, it went on from the step it had reached: the same model.
                assertEquals(job.get("result").get("validation"), second.get("result").get("validation"),
                        "the job given back on SIGTERM makes the model of the same request run through");
                System.out.printf("Takeover after SIGTERM: %.1f s (the job resumed on the other replica)%n", takeoverSeconds);

                // 3. Two jobs at once on one server (BONSAI_JOB_CONCURRENCY=2): each keeps its own state.
                String one = remaining.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
                String two = remaining.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
                boolean together = false;
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                JsonNode first = remaining.get("/v1/fine-tuning/jobs/" + one, key);
                JsonNode next = remaining.get("/v1/fine-tuning/jobs/" + two, key);
                while (!(ended(first) && ended(next)) && System.nanoTime() < deadline) {
                    together |= first.get("status").asText().equals("running") && next.get("status").asText().equals("running");
                    Thread.sleep(100);
                    first = remaining.get("/v1/fine-tuning/jobs/" + one, key);
                    next = remaining.get("/v1/fine-tuning/jobs/" + two, key);
                }
                assertTrue(together, "both jobs ran at once");
                assertEquals("succeeded", first.get("status").asText(), first.toPrettyString());
                assertEquals("succeeded", next.get("status").asText(), next.toPrettyString());
                assertEquals(first.get("result").get("validation"), next.get("result").get("validation"),
                        "the same request makes the same model, run beside another");
                assertEquals(job.get("result").get("validation"), first.get("result").get("validation"),
                        "and the model the job taken over from a paused replica made");
            } finally {
                for (PackagedServer replica : replicas) {
                    if (replica.process().isAlive()) {
                        replica.kill();
                    }
                }
            }
        }
    }

    private static String instanceName(Path log) throws Exception {
        Matcher matcher = STARTED_AS.matcher(Files.readString(log));
        assertTrue(matcher.find(), "the log names the instance");
        return matcher.group(1);
    }
}
