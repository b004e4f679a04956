package dev.bonsai.platform;

import static dev.bonsai.support.ReplicaChecks.awaitEvent;
import static dev.bonsai.support.ReplicaChecks.awaitJob;
import static dev.bonsai.support.ReplicaChecks.awaitLog;
import static dev.bonsai.support.ReplicaChecks.ended;
import static dev.bonsai.support.ReplicaChecks.events;
import static dev.bonsai.support.ReplicaChecks.holderOf;
import static dev.bonsai.support.ReplicaChecks.modelsOf;
import static dev.bonsai.support.ReplicaChecks.signal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.support.Api;
import dev.bonsai.support.PackagedServer;
import dev.bonsai.support.S3Server;
import dev.bonsai.support.WebhookReceiver;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment in miniature: two API and two worker replicas (packaged servers, separate
 * processes) on one PostgreSQL and one S3-compatible server. Six jobs go in through both API
 * replicas; one worker is killed with {@code kill -9} while it trains (and started again, as its
 * pod would be), the other is paused with {@code kill -STOP} past the takeover timeout and woken.
 * Every job ends once with one model and is announced to the tenant's webhook endpoint as one
 * event, signed with the secret an API replica sealed; the API replicas run no job and the workers serve no API;
 * predictions agree through both API replicas; a revoked key and a deleted model are seen by
 * every replica; artifacts live in the bucket only; and an API replica started again loads the
 * models before it reports ready.
 */
class MultiReplicaIT {

    private static final String ADMIN_KEY = "multi-replica-admin-key-01";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private final List<PackagedServer> running = new ArrayList<>();

    @Test
    void twoApiAndTwoWorkerReplicasRunEveryJobOnceAndAgree() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("pg"), EmbeddedDatabase.DEFAULT_PORT_ANY);
                S3Server s3 = S3Server.start(work.resolve("s3"))) {
            Map<String, String> shared = new HashMap<>(PackagedServer.replicaOf(database, work, ADMIN_KEY));
            shared.putAll(Map.of(
                    "BONSAI_BLOB_STORE", "s3",
                    "BONSAI_S3_ENDPOINT", s3.endpoint().toString(),
                    "BONSAI_S3_BUCKET", S3Server.BUCKET,
                    "BONSAI_S3_ACCESS_KEY_ID", S3Server.ACCESS_KEY_ID,
                    "BONSAI_S3_SECRET_ACCESS_KEY", S3Server.SECRET_ACCESS_KEY,
                    "BONSAI_S3_PATH_STYLE", "true"));
            // One operator key for every replica's webhook secrets; the receiver is this test, on loopback.
            shared.put("BONSAI_WEBHOOKS_SECRET_KEY", "multi-replica-webhook-key-0123456789abcdef");
            shared.put("BONSAI_WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true");
            try (WebhookReceiver receiver = new WebhookReceiver()) {
                PackagedServer api1 = launch(shared, "api", "api-1");
                PackagedServer api2 = launch(shared, "api", "api-2");
                PackagedServer workerA = launch(shared, "worker", "worker-a");
                PackagedServer workerB = launch(shared, "worker", "worker-b");
                for (PackagedServer replica : List.copyOf(running)) {
                    replica.awaitReady();
                }
                List<Path> workerLogs = new ArrayList<>(List.of(log("worker-a"), log("worker-b")));
                List<PackagedServer> workers = new ArrayList<>(List.of(workerA, workerB));

                // Workers answer health and metrics only.
                HttpResponse<String> refused = workerA.send("GET", "/v1/models", null, null, null);
                assertEquals(404, refused.statusCode());
                assertTrue(refused.body().contains("BONSAI_ROLE=worker"), refused.body());
                assertEquals(200, workerA.send("GET", "/q/metrics", null, null, null).statusCode());

                JsonNode tenant = api1.post("/v1/tenants", ADMIN_KEY, "application/json", "{\"name\":\"replicas\"}");
                String key = tenant.get("apiKey").get("secret").asText();
                JsonNode endpoint = api2.post("/v1/webhook-endpoints", key, "application/json", JSON.writeValueAsString(
                        Map.of("url", receiver.url("/jobs"), "events", List.of("fine_tuning.job.succeeded"))));
                String webhookSecret = endpoint.get("secret").asText();
                String dataset = api2.post("/v1/datasets?name=topics", key, "text/csv", Api.sampleCsv(20)).get("id").asText();
                String partial = JSON.writeValueAsString(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                        "method", "partial", "hyperparameters", Map.of("epochs", 4, "batchSize", 4, "unfreezeLayers", 2,
                                "maxSequenceLength", 32, "earlyStoppingPatience", 10)));
                String head = JSON.writeValueAsString(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                        "method", "head", "hyperparameters", Map.of("epochs", 20, "seed", 3)));
                List<String> jobs = new ArrayList<>();

                // 1. kill -9 of the worker training a job; its pod starts again.
                String killed = submit(api1, key, partial, jobs);
                submit(api2, key, head, jobs);
                submit(api1, key, head, jobs);
                awaitJob(api2, key, killed, job -> job.path("checkpointEpoch").asInt(0) >= 1);
                int holder = holderOf(workerLogs, killed, 1);
                long killedAt = System.nanoTime();
                workers.get(holder).kill();
                running.remove(workers.get(holder));
                awaitEvent(api1, key, killed, m -> m.startsWith("Job resumed after an interruption (attempt 2)"));
                double killTakeover = (System.nanoTime() - killedAt) / 1e9;
                String restartedName = holder == 0 ? "worker-a-2" : "worker-b-2";
                // The killed worker's log stays at its index, with nothing more in it; the new process is added.
                PackagedServer restarted = launch(shared, "worker", restartedName);
                workers.add(restarted);
                workerLogs.add(log(restartedName));
                restarted.awaitReady();

                // 2. kill -STOP of the worker training the next job, past the takeover; then -CONT.
                String paused = submit(api2, key, partial, jobs);
                submit(api1, key, head, jobs);
                submit(api2, key, head, jobs);
                awaitJob(api1, key, paused, job -> job.path("checkpointEpoch").asInt(0) >= 1);
                int pausedHolder = holderOf(workerLogs, paused, 1);
                PackagedServer sleeper = workers.get(pausedHolder);
                signal("STOP", sleeper);
                long pausedAt = System.nanoTime();
                try {
                    awaitEvent(api2, key, paused, m -> m.startsWith("Job resumed after an interruption (attempt 2)"));
                } finally {
                    signal("CONT", sleeper);
                }
                double pauseTakeover = (System.nanoTime() - pausedAt) / 1e9;

                // Every job ends once, with one model.
                for (String jobId : jobs) {
                    JsonNode job = awaitJob(api1, key, jobId, node -> ended(node));
                    assertEquals("succeeded", job.get("status").asText(), job.toPrettyString());
                    assertEquals(1, modelsOf(api2, key, jobId), "one model for " + jobId);
                    List<String> messages = events(api1, key, jobId).stream().map(event -> event.get("message").asText())
                            .toList();
                    assertEquals(1, messages.stream().filter(m -> m.endsWith(" is ready.")).count(), messages.toString());
                }
                // Every job's end is announced, signed with the secret an API replica sealed, by the worker that ended it;
                // a repeat (a worker killed mid-delivery) carries the same webhook-id.
                List<WebhookReceiver.Request> announced = receiver.await("/jobs", jobs.size(), java.time.Duration.ofSeconds(60));
                Map<String, java.util.Set<String>> eventIds = new HashMap<>();
                for (WebhookReceiver.Request request : announced) {
                    assertEquals(WebhookReceiver.expectedSignature(webhookSecret, request), request.header("webhook-signature"));
                    JsonNode body = JSON.readTree(request.body());
                    assertEquals("fine_tuning.job.succeeded", body.get("type").asText());
                    eventIds.computeIfAbsent(body.at("/data/id").asText(), id -> new java.util.HashSet<>())
                            .add(request.header("webhook-id"));
                }
                assertEquals(java.util.Set.copyOf(jobs), eventIds.keySet(), "one announcement per job");
                eventIds.forEach((job, ids) -> assertEquals(1, ids.size(), job + " announced as several events: " + ids));
                int repeatedDeliveries = announced.size() - jobs.size();
                assertEquals(jobs.size(), api1.get("/v1/webhook-endpoints/" + endpoint.get("id").asText() + "/deliveries", key)
                        .get("data").size(), "one delivery per job in the log");
                awaitLog(workerLogs.get(pausedHolder), "Attempt 1 of job " + paused + " no longer holds it");
                for (String name : List.of("api-1", "api-2")) {
                    String apiLog = Files.readString(log(name));
                    assertTrue(apiLog.contains("queues jobs for the workers and runs none"), name);
                    assertFalse(apiLog.contains(": attempt 1 runs on"), name + " ran a job");
                }

                // Predictions agree through both API replicas.
                String modelId = api1.get("/v1/fine-tuning/jobs/" + jobs.get(1), key).get("modelId").asText();
                String texts = "{\"inputs\":[\"The wind story number 98, in the evening\",\"The oven story number 97\"]}";
                JsonNode one = api1.post("/v1/models/" + modelId + "/predictions", key, "application/json", texts);
                JsonNode two = api2.post("/v1/models/" + modelId + "/predictions", key, "application/json", texts);
                assertEquals(one.get("data"), two.get("data"));

                // Artifacts are objects in the bucket, not files of any replica.
                assertFalse(s3.keys().isEmpty());
                try (var folders = Files.list(work)) {
                    assertTrue(folders.filter(folder -> folder.getFileName().toString().startsWith("blobs-"))
                            .noneMatch(folder -> Files.exists(folder.resolve("sha256"))), "no replica keeps artifacts locally");
                }

                // An API replica started again loads the models before it is ready.
                api1.stop();
                running.remove(api1);
                PackagedServer api1Again = launch(shared, "api", "api-1-2");
                api1Again.awaitReady();
                JsonNode ready = JSON.readTree(api1Again.send("GET", "/q/health/ready", null, null, null).body());
                JsonNode warmUp = null;
                for (JsonNode check : ready.get("checks")) {
                    if (check.get("name").asText().equals("serving-warm-up")) {
                        warmUp = check;
                    }
                }
                assertEquals(jobs.size(), warmUp.get("data").get("models").asInt(), ready.toPrettyString());
                assertEquals(jobs.size(), warmUp.get("data").get("loaded").asInt(), ready.toPrettyString());
                long asked = System.nanoTime();
                api1Again.post("/v1/models/" + modelId + "/predictions", key, "application/json", texts);
                double firstPredictionMillis = (System.nanoTime() - asked) / 1e6;

                // A deleted model and a revoked key, seen by every replica at once.
                assertEquals(204, api2.send("DELETE", "/v1/models/" + modelId, key, null, null).statusCode());
                assertEquals(404, api1Again.send("POST", "/v1/models/" + modelId + "/predictions", key, "application/json",
                        texts).statusCode());
                assertEquals(200, api1Again.send("GET", "/v1/models", key, null, null).statusCode());
                assertEquals(200, api2.send("DELETE", "/v1/api-keys/" + tenant.get("apiKey").get("id").asText(), key, null,
                        null).statusCode());
                awaitStatus(api1Again, key, 401);
                awaitStatus(api2, key, 401);

                System.out.printf("Takeover after kill -9 of a worker: %.1f s; after kill -STOP: %.1f s (heartbeats every 1 s,"
                        + " 4 missed); %d jobs, each ended once with one model and announced once (%d repeated deliveries);"
                        + " first prediction of an API replica started again, once ready: %.0f ms%n", killTakeover,
                        pauseTakeover, jobs.size(), repeatedDeliveries, firstPredictionMillis);
            } finally {
                for (PackagedServer replica : running) {
                    if (replica.process().isAlive()) {
                        replica.kill();
                    }
                }
            }
        }
    }

    private PackagedServer launch(Map<String, String> shared, String role, String name) throws Exception {
        Map<String, String> environment = new HashMap<>(shared);
        environment.put("BONSAI_ROLE", role);
        environment.put("BONSAI_INSTANCE_NAME", name);
        environment.put("BONSAI_BLOB_DIR", work.resolve("blobs-" + name).toString());
        PackagedServer server = PackagedServer.launch(environment, log(name));
        running.add(server);
        return server;
    }

    private Path log(String name) {
        return work.resolve(name + ".log");
    }

    private static String submit(PackagedServer api, String key, String request, List<String> jobs) throws Exception {
        String id = api.post("/v1/fine-tuning/jobs", key, "application/json", request).get("id").asText();
        jobs.add(id);
        return id;
    }

    /** Waits until {@code GET /v1/models} with {@code key} answers {@code status} on this replica. */
    private static void awaitStatus(PackagedServer replica, String key, int status) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = replica.send("GET", "/v1/models", key, null, null).statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the replica answered " + last + ", not " + status);
    }
}
