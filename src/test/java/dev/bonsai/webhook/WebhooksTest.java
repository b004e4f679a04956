package dev.bonsai.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.finetune.FineTuneJobEntity;
import dev.bonsai.job.JobEnded;
import dev.bonsai.support.Api;
import dev.bonsai.support.WebhookReceiver;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Webhooks as a tenant uses them, delivered to a receiver on loopback (tests allow non-public
 * targets, and retry within a 3 s window from 0.2 s waits): a job's end is announced once, signed
 * as Standard Webhooks says (checked here with its own HMAC, not the server's code); failures are
 * retried with growing waits; a redirect is not followed; an endpoint that fails for a whole window
 * is disabled and can be enabled again; another tenant's endpoints hear nothing and are a 404; the
 * delivery is written in the transaction of the job's end or not at all; secrets are stored sealed.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhooksTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager entities;

    @Inject
    Event<JobEnded> endings;

    @Inject
    WebhookSecrets secrets;

    @Inject
    WebhookDispatcher dispatcher;

    private WebhookReceiver receiver;
    private String apiKey;
    private String tenantId;
    private String model;

    @BeforeEach
    void aTenantWithAModelAndAReceiver() throws Exception {
        if (receiver != null) {
            return;
        }
        receiver = new WebhookReceiver();
        JsonPath tenant = Api.asAdmin().contentType(ContentType.JSON).body(Map.of("name", "webhooks-" + UUID.randomUUID()))
                .post("/v1/tenants").then().statusCode(201).extract().jsonPath();
        tenantId = tenant.getString("id");
        apiKey = tenant.getString("apiKey.secret");
        model = Api.headModel(apiKey, 6, Map.of("epochs", 5));
    }

    @AfterAll
    void stopReceiver() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private JsonPath createEndpoint(String key, String url, List<String> events) {
        Map<String, Object> body = new HashMap<>();
        body.put("url", url);
        if (events != null) {
            body.put("events", events);
        }
        return Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/webhook-endpoints")
                .then().statusCode(201).extract().jsonPath();
    }

    private String batch(String key, String modelId) {
        return Api.as(key).contentType("text/csv").queryParam("model", modelId)
                .body("text\nThe storm came in the night\nA goal in the last minute\nSalt the water first\n")
                .post("/v1/batches").then().statusCode(201).extract().path("id");
    }

    /** A fine-tuning job cancelled as soon as it is made: it ends cancelled whether it had started or not. */
    private String cancelledFineTuning(String key) throws InterruptedException {
        String dataset = Api.uploadCsv(key, Api.sampleCsv(6));
        String job = Api.as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset",
                dataset, "method", "head")).post("/v1/fine-tuning/jobs").then().statusCode(201).extract().path("id");
        Api.as(key).post("/v1/fine-tuning/jobs/" + job + "/cancel").then().statusCode(200);
        assertEquals("cancelled", Api.awaitJob(key, "/v1/fine-tuning/jobs/" + job).getString("status"));
        return job;
    }

    private JsonPath deliveries(String endpointId) {
        return Api.as(apiKey).get("/v1/webhook-endpoints/" + endpointId + "/deliveries").then().statusCode(200)
                .extract().jsonPath();
    }

    /** The delivery of the endpoint's newest event once it is no longer pending. */
    private JsonPath awaitSettled(String endpointId, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath page = deliveries(endpointId);
            if (!page.getList("data").isEmpty() && !"pending".equals(page.getString("data[0].status"))) {
                return page;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the delivery did not settle: " + deliveries(endpointId).prettify());
    }

    @Test
    void aBatchThatEndsIsAnnouncedOnceSignedAsStandardWebhooksSays() throws Exception {
        JsonPath endpoint = createEndpoint(apiKey, receiver.url("/batches"), List.of("batch.succeeded"));
        String secret = endpoint.getString("secret");
        assertTrue(secret.startsWith("whsec_"), secret);
        assertEquals(32, Base64.getDecoder().decode(secret.substring(6)).length);
        JsonPath shown = Api.as(apiKey).get("/v1/webhook-endpoints/" + endpoint.getString("id")).then().statusCode(200)
                .extract().jsonPath();
        assertNull(shown.get("secret"), "the secret is shown once");
        assertEquals(List.of("batch.succeeded"), shown.getList("events"));
        // An endpoint of the same tenant that listens to other events hears nothing of a batch.
        String other = createEndpoint(apiKey, receiver.url("/fine-tuning"), List.of("fine_tuning.job.succeeded"))
                .getString("id");

        String batchId = batch(apiKey, model);
        assertEquals("succeeded", Api.awaitJob(apiKey, "/v1/batches/" + batchId).getString("status"));
        WebhookReceiver.Request request = receiver.await("/batches", 1, Duration.ofSeconds(10)).get(0);

        assertEquals(WebhookReceiver.expectedSignature(secret, request), request.header("webhook-signature"));
        assertTrue(request.header("webhook-id").startsWith("evt_"), request.header("webhook-id"));
        long timestamp = Long.parseLong(request.header("webhook-timestamp"));
        assertTrue(Math.abs(timestamp - System.currentTimeMillis() / 1000) < 60, "timestamp " + timestamp);
        assertTrue(request.header("content-type").startsWith("application/json"));
        JsonNode body = JSON.readTree(request.body());
        assertEquals("batch.succeeded", body.get("type").asText());
        assertEquals(batchId, body.at("/data/id").asText());
        assertEquals("succeeded", body.at("/data/status").asText());
        assertEquals(3, body.at("/data/rowsDone").asInt());
        OffsetDateTime.parse(body.get("timestamp").asText());

        JsonPath log = awaitSettled(endpoint.getString("id"), Duration.ofSeconds(5));
        assertEquals(1, log.getList("data").size());
        assertEquals("delivered", log.getString("data[0].status"));
        assertEquals(1, log.getInt("data[0].attempts"));
        assertEquals(204, log.getInt("data[0].responseStatus"));
        assertEquals(request.header("webhook-id"), log.getString("data[0].eventId"));
        assertEquals("batch.succeeded", log.getString("data[0].eventType"));
        assertTrue(log.getInt("data[0].latencyMs") >= 0);
        assertNotNull(log.getString("data[0].deliveredAt"));
        assertNull(log.get("data[0].nextAttemptAt"));

        Thread.sleep(1500);
        assertEquals(1, receiver.requests("/batches").size(), "delivered once");
        assertTrue(receiver.requests("/fine-tuning").isEmpty());
        assertTrue(deliveries(other).getList("data").isEmpty());
        JsonPath after = Api.as(apiKey).get("/v1/webhook-endpoints/" + endpoint.getString("id")).then().extract().jsonPath();
        assertNotNull(after.getString("lastSuccessAt"));
        assertEquals(0, after.getInt("consecutiveFailures"));
    }

    @Test
    void failedAttemptsAreRetriedWithGrowingWaitsUntilOneIsAnswered() throws Exception {
        String endpoint = createEndpoint(apiKey, receiver.url("/flaky"), List.of("fine_tuning.job.cancelled")).getString("id");
        receiver.answer("/flaky", 500, 503);
        String job = cancelledFineTuning(apiKey);
        List<WebhookReceiver.Request> attempts = receiver.await("/flaky", 3, Duration.ofSeconds(10));
        JsonPath log = awaitSettled(endpoint, Duration.ofSeconds(5));
        assertEquals("delivered", log.getString("data[0].status"), log.prettify());
        assertEquals(3, log.getInt("data[0].attempts"));
        assertEquals(204, log.getInt("data[0].responseStatus"));
        String eventId = attempts.get(0).header("webhook-id");
        for (WebhookReceiver.Request attempt : attempts) {
            assertEquals(eventId, attempt.header("webhook-id"), "every attempt carries the event's id");
            assertEquals(job, JSON.readTree(attempt.body()).at("/data/id").asText());
            assertEquals("fine_tuning.job.cancelled", JSON.readTree(attempt.body()).get("type").asText());
        }
        // Waits of 0.2 s and then 0.5 s (0.8 s capped), each give or take a tenth.
        long firstWait = attempts.get(1).receivedAtMillis() - attempts.get(0).receivedAtMillis();
        long secondWait = attempts.get(2).receivedAtMillis() - attempts.get(1).receivedAtMillis();
        assertTrue(firstWait >= 170, "first wait " + firstWait);
        assertTrue(secondWait >= 440 && secondWait > firstWait, "second wait " + secondWait + " after " + firstWait);
        Thread.sleep(1000);
        assertEquals(3, receiver.requests("/flaky").size());
    }

    @Test
    void aRedirectIsNotFollowedAndAnEndpointFailingAWholeWindowIsDisabledUntilEnabledAgain() throws Exception {
        String endpoint = createEndpoint(apiKey, receiver.url("/moved"), List.of("fine_tuning.job.cancelled")).getString("id");
        cancelledFineTuning(apiKey);
        JsonPath log = awaitSettled(endpoint, Duration.ofSeconds(15));
        assertEquals("failed", log.getString("data[0].status"), log.prettify());
        assertEquals(303, log.getInt("data[0].responseStatus"));
        assertTrue(log.getString("data[0].lastError").contains("redirect"), log.getString("data[0].lastError"));
        int attempts = log.getInt("data[0].attempts");
        assertTrue(attempts >= 3, "attempts " + attempts);
        assertEquals(attempts, receiver.requests("/moved").size());
        assertTrue(receiver.requests("/elsewhere").isEmpty(), "the redirect was not followed");

        JsonPath disabled = Api.as(apiKey).get("/v1/webhook-endpoints/" + endpoint).then().extract().jsonPath();
        assertFalse(disabled.getBoolean("enabled"), disabled.prettify());
        assertTrue(disabled.getString("disabledReason").contains("retry window"), disabled.getString("disabledReason"));
        assertEquals(attempts, disabled.getInt("consecutiveFailures"));
        // Disabled: the next event is not even written for it.
        cancelledFineTuning(apiKey);
        Thread.sleep(500);
        assertEquals(1, deliveries(endpoint).getList("data").size());

        JsonPath enabled = Api.as(apiKey).contentType(ContentType.JSON)
                .body(Map.of("enabled", true, "url", receiver.url("/fixed"))).patch("/v1/webhook-endpoints/" + endpoint)
                .then().statusCode(200).extract().jsonPath();
        assertTrue(enabled.getBoolean("enabled"));
        assertNull(enabled.get("disabledReason"));
        assertEquals(0, enabled.getInt("consecutiveFailures"));
        cancelledFineTuning(apiKey);
        receiver.await("/fixed", 1, Duration.ofSeconds(10));
        assertEquals("delivered", awaitSettled(endpoint, Duration.ofSeconds(5)).getString("data[0].status"));
    }

    @Test
    void anotherTenantsEndpointsHearNothingOfThisTenantsJobsAndAreA404() throws Exception {
        String otherKey = Api.newTenant();
        String theirs = createEndpoint(otherKey, receiver.url("/theirs"), null).getString("id");
        String mine = createEndpoint(apiKey, receiver.url("/mine"), List.of("fine_tuning.job.cancelled")).getString("id");
        cancelledFineTuning(apiKey);
        receiver.await("/mine", 1, Duration.ofSeconds(10));
        Thread.sleep(1000);
        assertTrue(receiver.requests("/theirs").isEmpty(), "another tenant's endpoint heard of this tenant's job");
        assertTrue(Api.as(otherKey).get("/v1/webhook-endpoints/" + theirs + "/deliveries").then().statusCode(200)
                .extract().jsonPath().getList("data").isEmpty());

        for (String path : List.of("/v1/webhook-endpoints/" + mine, "/v1/webhook-endpoints/" + mine + "/deliveries")) {
            Api.as(otherKey).get(path).then().statusCode(404).contentType("application/problem+json");
        }
        Api.as(otherKey).contentType(ContentType.JSON).body(Map.of("enabled", false)).patch("/v1/webhook-endpoints/" + mine)
                .then().statusCode(404);
        Api.as(otherKey).delete("/v1/webhook-endpoints/" + mine).then().statusCode(404);
        List<String> listed = Api.as(otherKey).get("/v1/webhook-endpoints").then().statusCode(200).extract()
                .jsonPath().getList("data.id");
        assertEquals(List.of(theirs), listed);
        Api.as(apiKey).get("/v1/webhook-endpoints/" + mine).then().statusCode(200).body("enabled", org.hamcrest.Matchers.is(true));
    }

    @Test
    void theDeliveryIsWrittenInTheTransactionOfTheJobsEndOrNotAtAll() throws Exception {
        String endpoint = createEndpoint(apiKey, receiver.url("/outbox"), List.of("fine_tuning.job.succeeded")).getString("id");
        String jobId = Api.as(apiKey).get("/v1/models/" + model).then().statusCode(200).extract().path("jobId");
        // The job's end is announced again in a transaction that rolls back: nothing is written, nothing sent.
        assertThrows(IllegalStateException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
            endings.fire(new JobEnded(entities.find(FineTuneJobEntity.class, jobId)));
            throw new IllegalStateException("what ends the job fails after the event");
        }));
        Thread.sleep(1200);
        assertTrue(deliveries(endpoint).getList("data").isEmpty());
        assertTrue(receiver.requests("/outbox").isEmpty());
        // The same in a transaction that commits: one delivery, sent.
        QuarkusTransaction.requiringNew().run(() -> endings.fire(new JobEnded(entities.find(FineTuneJobEntity.class, jobId))));
        receiver.await("/outbox", 1, Duration.ofSeconds(5));
        assertEquals(jobId, JSON.readTree(receiver.requests("/outbox").get(0).body()).at("/data/id").asText());
    }

    /** A delivery row as a replica named {@code claimant} holds it after claiming attempt {@code attempts}, its claim ending in {@code seconds}. */
    private String claimedDelivery(String endpointId, String claimant, int attempts, double seconds) {
        String id = "whd_" + UUID.randomUUID().toString().replace("-", "");
        QuarkusTransaction.requiringNew().run(() -> entities.createNativeQuery("""
                insert into webhook_deliveries (id, endpoint_id, tenant_id, event_id, event_type, payload, status, attempts,
                    next_attempt_at, claimed_by, claimed_until, last_attempt_at, created_at)
                values (?1, ?2, ?3, ?4, 'batch.succeeded', ?5, 'pending', ?6, now(), ?7, now() + make_interval(secs => ?8),
                    now(), now())
                """).setParameter(1, id).setParameter(2, endpointId).setParameter(3, tenantId).setParameter(4, "evt_" + id)
                .setParameter(5, "{\"type\":\"batch.succeeded\",\"data\":{}}").setParameter(6, attempts)
                .setParameter(7, claimant).setParameter(8, seconds).executeUpdate());
        return id;
    }

    private WebhookDeliveryEntity row(String deliveryId) {
        return QuarkusTransaction.requiringNew().call(() -> entities.find(WebhookDeliveryEntity.class, deliveryId));
    }

    @Test
    void aReplicaThatPausedMidDeliveryNeitherHoldsItsDeliveriesNorOverwritesTheAttemptThatTookThemOver() throws Exception {
        JsonPath endpoint = createEndpoint(apiKey, receiver.url("/paused"), List.of("batch.succeeded"));
        String endpointId = endpoint.getString("id");
        String sealed = QuarkusTransaction.requiringNew().call(() -> entities.find(WebhookEndpointEntity.class,
                endpointId).sealedSecret);

        // A replica claimed a delivery and paused: while its claim stands nobody sends it; once it lapses, this one does.
        String abandoned = claimedDelivery(endpointId, "paused-replica", 1, 1.5);
        Thread.sleep(1000);
        assertTrue(receiver.requests("/paused").isEmpty(), "a delivery was sent while another replica's claim stood");
        receiver.await("/paused", 1, Duration.ofSeconds(5));
        Thread.sleep(300);
        WebhookDeliveryEntity takenOver = row(abandoned);
        assertEquals("delivered", takenOver.status);
        assertEquals(2, takenOver.attempts);

        // Replica B holds attempt 2 of a delivery; replica A wakes from its pause and records its attempt 1 as failed.
        String held = claimedDelivery(endpointId, "replica-b", 2, 60);
        WebhookDispatcher.Claimed late = new WebhookDispatcher.Claimed(held, endpointId, "evt_" + held, "{}", 1,
                receiver.url("/paused"), sealed, null, "replica-a");
        dispatcher.record(late, new WebhookDispatcher.Outcome(500, 12, "the endpoint answered 500"));
        dispatcher.record(new WebhookDispatcher.Claimed(held, endpointId, "evt_" + held, "{}", 2, receiver.url("/paused"),
                sealed, null, "replica-a"), new WebhookDispatcher.Outcome(500, 12, "the endpoint answered 500"));
        WebhookDeliveryEntity untouched = row(held);
        assertEquals("pending", untouched.status);
        assertEquals("replica-b", untouched.claimedBy, "a lapsed claim's late answer took the delivery from its new claimant");
        assertNull(untouched.responseStatus);
        assertEquals(0, Api.as(apiKey).get("/v1/webhook-endpoints/" + endpointId).then().extract().jsonPath()
                .getInt("consecutiveFailures"), "a late answer counted as the endpoint's failure");
        // Replica B's answer is recorded.
        dispatcher.record(new WebhookDispatcher.Claimed(held, endpointId, "evt_" + held, "{}", 2, receiver.url("/paused"),
                sealed, null, "replica-b"), new WebhookDispatcher.Outcome(204, 9, null));
        WebhookDeliveryEntity delivered = row(held);
        assertEquals("delivered", delivered.status);
        assertEquals(204, delivered.responseStatus);
        assertNull(delivered.claimedBy);
    }

    @Test
    void aRotatedSecretSignsAloneOnceThePreviousOnesDayIsOver() throws Exception {
        JsonPath created = createEndpoint(apiKey, receiver.url("/rotated"), List.of("fine_tuning.job.cancelled"));
        String id = created.getString("id");
        String old = created.getString("secret");
        JsonPath rotated = Api.as(apiKey).post("/v1/webhook-endpoints/" + id + "/rotate-secret").then().statusCode(200)
                .extract().jsonPath();
        String fresh = rotated.getString("secret");
        assertTrue(fresh.startsWith("whsec_") && !fresh.equals(old));
        Api.as(Api.newTenant()).post("/v1/webhook-endpoints/" + id + "/rotate-secret").then().statusCode(404);

        cancelledFineTuning(apiKey);
        WebhookReceiver.Request during = receiver.await("/rotated", 1, Duration.ofSeconds(10)).get(0);
        assertEquals(WebhookReceiver.expectedSignature(fresh, during) + " " + WebhookReceiver.expectedSignature(old, during),
                during.header("webhook-signature"), "within a day of the rotation: the new secret's signature, then the old one's");

        QuarkusTransaction.requiringNew().run(() -> entities.find(WebhookEndpointEntity.class, id).previousSecretExpiresAt =
                OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));
        cancelledFineTuning(apiKey);
        WebhookReceiver.Request after = receiver.await("/rotated", 2, Duration.ofSeconds(10)).get(1);
        assertEquals(WebhookReceiver.expectedSignature(fresh, after), after.header("webhook-signature"));
    }

    @Test
    void secretsAreStoredSealedAndBoundToTheirEndpoint() throws Exception {
        JsonPath created = createEndpoint(apiKey, receiver.url("/sealed"), null);
        String id = created.getString("id");
        String secret = created.getString("secret");
        String stored = QuarkusTransaction.requiringNew().call(() -> entities.find(WebhookEndpointEntity.class, id).sealedSecret);
        assertFalse(stored.contains(secret.substring(6)), "the secret is stored in clear");
        assertFalse(stored.contains(secret.substring(6, 20)));
        assertEquals(secret, secrets.open(id, stored));
        assertThrows(IllegalStateException.class, () -> secrets.open("whe_another", stored),
                "a sealed secret opens for its own endpoint only");
        assertNotEquals(secrets.seal(id, secret), secrets.seal(id, secret), "every sealing has its own IV");
        java.nio.file.Path keyFile = java.nio.file.Path.of("target/test-webhook-secret.key");
        assertTrue(java.nio.file.Files.size(keyFile) > 32, "the generated operator key is kept in its file");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(keyFile)), "only its owner can read the key");
        assertEquals(created.getList("events"), Api.as(apiKey).get("/v1/webhook-endpoints/event-types").then()
                .statusCode(200).extract().jsonPath().getList("data"), "no events named: every event type");
    }

    @Test
    void badEndpointsAreRefusedWithTheFieldThatIsWrong() {
        Map<String, String> badUrls = Map.of(
                "ftp://example.com/hook", "https://",
                "not a url", "not valid",
                "https://user:password@example.com/hook", "user name",
                "https://example.com/hook#part", "fragment",
                "/relative/hook", "https://");
        badUrls.forEach((url, says) -> Api.as(apiKey).contentType(ContentType.JSON).body(Map.of("url", url))
                .post("/v1/webhook-endpoints").then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].pointer", org.hamcrest.Matchers.is("/url"))
                .body("detail", org.hamcrest.Matchers.containsString(says)));
        Api.as(apiKey).contentType(ContentType.JSON).body("{}").post("/v1/webhook-endpoints").then().statusCode(422)
                .contentType("application/problem+json");
        Api.as(apiKey).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/" + "a".repeat(2100)))
                .post("/v1/webhook-endpoints").then().statusCode(422).body("errors[0].pointer", org.hamcrest.Matchers.is("/url"));
        Api.as(apiKey).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/hook", "events",
                List.of("batch.succeeded", "batch.exploded"))).post("/v1/webhook-endpoints").then().statusCode(422)
                .body("errors[0].pointer", org.hamcrest.Matchers.is("/events/1"))
                .body("detail", org.hamcrest.Matchers.containsString("batch.exploded"));
        Api.as(apiKey).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/hook", "events", List.of()))
                .post("/v1/webhook-endpoints").then().statusCode(422).body("errors[0].pointer", org.hamcrest.Matchers.is("/events"));
        Api.as(apiKey).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/hook", "description",
                "d".repeat(501))).post("/v1/webhook-endpoints").then().statusCode(422)
                .body("errors[0].pointer", org.hamcrest.Matchers.is("/description"));
        Api.as(apiKey).contentType(ContentType.JSON).body("{\"url\": \"https://example.com/h\", \"description\": \"a\\u0000b\"}")
                .post("/v1/webhook-endpoints").then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].pointer", org.hamcrest.Matchers.is("/description"));
        Api.as(apiKey).contentType(ContentType.JSON).body(Map.of("url", "gopher://x"))
                .patch("/v1/webhook-endpoints/whe_nothing").then().statusCode(404);
    }

    @Test
    void aTenantHasAtMostTwentyEndpoints() {
        String key = Api.newTenant();
        for (int i = 0; i < 20; i++) {
            createEndpoint(key, "https://example.com/hook/" + i, null);
        }
        Api.as(key).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/one-more"))
                .post("/v1/webhook-endpoints").then().statusCode(409).contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("20"));
        String first = Api.as(key).get("/v1/webhook-endpoints?limit=1").then().extract().path("data[0].id");
        Api.as(key).delete("/v1/webhook-endpoints/" + first).then().statusCode(204);
        Api.as(key).get("/v1/webhook-endpoints/" + first).then().statusCode(404);
        createEndpoint(key, "https://example.com/one-more", null);
    }
}
