package dev.bonsai.inference;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@QuarkusTest
class InferenceLimitsTest {

    private static String trainedModel(String key) throws InterruptedException {
        return Api.headModel(key, 8, Map.of());
    }

    /** {@code count} requests of {@code texts} identical texts to {@code modelId} at once; their answers. */
    private static List<Response> flood(String key, String modelId, int count, int texts) throws Exception {
        List<String> inputs = Collections.nCopies(texts, "The storm story number 12, about the weather and the long,"
                + " windy, rainy night that followed it across the whole valley.");
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Callable<Response>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                calls.add(() -> as(key).contentType(ContentType.JSON).body(Map.of("inputs", inputs))
                        .post("/v1/models/" + modelId + "/predictions"));
            }
            List<Response> answers = new ArrayList<>();
            for (Future<Response> future : pool.invokeAll(calls)) {
                answers.add(future.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }


    @Test
    void aTenantOverItsRateLimitGets429WhileAnotherIsServed() throws Exception {
        JsonPath created = Api.asAdmin().contentType(ContentType.JSON).body(Map.of("name", "flooder"))
                .post("/v1/tenants").then().statusCode(201).extract().jsonPath();
        String flooder = created.getString("apiKey.secret");
        String tenantId = created.getString("id");
        String other = Api.newTenant();
        String flooderModel = trainedModel(flooder);
        String otherModel = trainedModel(other);
        Api.asAdmin().contentType(ContentType.JSON).body(Map.of("predictionRateLimit", Map.of("requestsPerSecond", 0.2,
                "burst", 3))).patch("/v1/tenants/" + tenantId).then().statusCode(200)
                .body("predictionRateLimit.burst", equalTo(3));
        Map<String, Object> body = Map.of("inputs", List.of("A sunny day with wind."));
        for (int i = 0; i < 3; i++) {
            as(flooder).contentType(ContentType.JSON).body(body).post("/v1/models/" + flooderModel + "/predictions").then()
                    .statusCode(200);
        }
        Response limited = as(flooder).contentType(ContentType.JSON).body(body)
                .post("/v1/models/" + flooderModel + "/predictions");
        limited.then().statusCode(429).contentType("application/problem+json").body("code", equalTo("rate_limited"))
                .header("Retry-After", notNullValue());
        // At 0.2 requests a second the next token comes within 5 s, and Retry-After says when: waiting that long works.
        int retryAfter = Integer.parseInt(limited.getHeader("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 5, "Retry-After " + retryAfter);
        Thread.sleep(retryAfter * 1000L + 100);
        as(flooder).contentType(ContentType.JSON).body(body).post("/v1/models/" + flooderModel + "/predictions").then()
                .statusCode(200);
        as(flooder).contentType(ContentType.JSON).body(body).post("/v1/models/" + flooderModel + "/predictions").then()
                .statusCode(429);
        as(other).contentType(ContentType.JSON).body(body).post("/v1/models/" + otherModel + "/predictions").then()
                .statusCode(200);

        // Limits are checked, need the admin key, and go back to the default with null.
        Api.asAdmin().contentType(ContentType.JSON).body(Map.of("predictionRateLimit", Map.of("requestsPerSecond", 1,
                "burst", 0))).patch("/v1/tenants/" + tenantId).then().statusCode(422)
                .body("errors.pointer", hasItem("/predictionRateLimit/burst"));
        as(flooder).contentType(ContentType.JSON).body(Map.of("predictionRateLimit", Map.of("requestsPerSecond", 100,
                "burst", 100))).patch("/v1/tenants/" + tenantId).then().statusCode(403);
        Api.asAdmin().contentType(ContentType.JSON).body("{\"predictionRateLimit\": null}").patch("/v1/tenants/" + tenantId)
                .then().statusCode(200).body("predictionRateLimit", equalTo(null));
        as(flooder).contentType(ContentType.JSON).body(body).post("/v1/models/" + flooderModel + "/predictions").then()
                .statusCode(200);
    }

    @Test
    void aFloodOfRequestsIsRefusedWith503BeyondTheEncodersQueue() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key);
        int ok = 0;
        int refused = 0;
        for (Response response : flood(key, modelId, 20, 256)) {
            if (response.statusCode() == 503) {
                refused++;
                assertEquals("1", response.getHeader("Retry-After"));
                assertEquals("unavailable", response.jsonPath().getString("code"));
            } else {
                assertEquals(200, response.statusCode(), response.asString());
                ok++;
            }
        }
        assertTrue(refused > 0, "some of 20 concurrent requests are refused beyond the shared encoder's queue of 12");
        assertTrue(ok >= 4, ok + " served");
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("bonsai_predictions_rejected_total{reason=\"overloaded\"}"), "rejections are counted");
        assertTrue(metrics.contains("bonsai_inference_shared_queue_depth"));
    }

    @Test
    void aFloodOnAVariantWithItsOwnSessionIsRefusedWith503BeyondItsQueue() throws Exception {
        // A partial model has weights of its own, so it runs in its own session, behind its own queue (4 in tests).
        String key = Api.newTenant();
        String modelId = Api.partialModel(key, Api.uploadCsv(key, Api.sampleCsv(4)));
        int ok = 0;
        int refused = 0;
        for (Response response : flood(key, modelId, 12, 64)) {
            if (response.statusCode() == 503) {
                refused++;
                assertEquals("1", response.getHeader("Retry-After"));
                assertTrue(response.jsonPath().getString("detail").startsWith("This model has 4 requests"),
                        response.asString());
            } else {
                assertEquals(200, response.statusCode(), response.asString());
                ok++;
            }
        }
        assertTrue(refused > 0, "some of 12 concurrent requests are refused beyond the variant's queue of 4");
        assertTrue(ok >= 4, ok + " served");
        // Once the flood has passed the variant serves again.
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("A calm night."))).post("/v1/models/"
                + modelId + "/predictions").then().statusCode(200);
    }
}
