package dev.bonsai.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** What tests of several packaged servers ask about jobs and replicas: from the API, and from the servers' logs. */
public final class ReplicaChecks {

    public static final Duration TIMEOUT = Duration.ofMinutes(4);

    private ReplicaChecks() {
    }

    public static boolean ended(JsonNode job) {
        return List.of("succeeded", "failed", "cancelled").contains(job.get("status").asText());
    }

    /** Which of these logs says it runs this attempt of the job, waiting until one does. */
    public static int holderOf(List<Path> logs, String jobId, int attempt) throws Exception {
        String line = "Job " + jobId + ": attempt " + attempt + " runs on";
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < logs.size(); i++) {
                if (Files.exists(logs.get(i)) && Files.readString(logs.get(i)).contains(line)) {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no replica says it runs attempt " + attempt + " of " + jobId);
    }

    /** Sends a signal ({@code STOP}, {@code CONT}, …) to a server's process. */
    public static void signal(String name, PackagedServer replica) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(replica.process().pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name);
    }

    /** How many of the tenant's models the job made. */
    public static int modelsOf(PackagedServer server, String key, String jobId) throws Exception {
        int count = 0;
        for (JsonNode model : server.get("/v1/models?limit=100", key).get("data")) {
            if (model.get("jobId").asText().equals(jobId)) {
                count++;
            }
        }
        return count;
    }

    public static List<JsonNode> events(PackagedServer server, String key, String jobId) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        server.get("/v1/fine-tuning/jobs/" + jobId + "/events?limit=100", key).get("data").forEach(events::add);
        return events;
    }

    public static void awaitEvent(PackagedServer server, String key, String jobId, Predicate<String> message)
            throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (events(server, key, jobId).stream().anyMatch(event -> message.test(event.get("message").asText()))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no such event of " + jobId + ": " + events(server, key, jobId));
    }

    public static void awaitLog(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the log never said '" + text + "'");
    }

    public static JsonNode awaitJob(PackagedServer server, String key, String jobId, Predicate<JsonNode> condition)
            throws Exception {
        return server.await("/v1/fine-tuning/jobs/" + jobId, key, condition, TIMEOUT);
    }
}
