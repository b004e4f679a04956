package dev.bonsai.inference;

import static dev.bonsai.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sessions of variants with weights of their own leave the cache least recently used first, under its budget. */
@QuarkusTest
class SessionCacheTest {

    @Inject
    SessionCache cache;

    /** A partial model (its own weights, so its own session): {model id, variant id}. */
    private static String[] partialModel(String key, String dataset) throws InterruptedException {
        String modelId = Api.partialModel(key, dataset);
        String variantId = as(key).get("/v1/models/" + modelId).then().statusCode(200).extract().path("variants[0].id");
        return new String[] {modelId, variantId};
    }

    private static void predict(String key, String modelId) {
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("A calm night by the sea.")))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200);
    }

    @Test
    void theLeastRecentlyUsedSessionLeavesFirstAndComesBackWhenAskedFor() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(4));
        String[] a = partialModel(key, dataset);
        String[] b = partialModel(key, dataset);
        // A new model is loaded in the background as soon as it is created; let that finish before emptying the
        // cache, so that the loads below happen in the order of the requests.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (!cache.contains(b[1]) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        cache.trim(0, null); // whatever other tests left loaded
        // Loaded a, then b; then a is used again: a was loaded first but used last.
        predict(key, a[0]);
        predict(key, b[0]);
        predict(key, a[0]);
        assertTrue(cache.contains(a[1]) && cache.contains(b[1]));
        long both = cache.residentBytes();

        // A budget for one of the two: b, used longest ago, goes; a, used last, stays.
        cache.trim(both - 1, null);
        assertTrue(cache.contains(a[1]));
        assertFalse(cache.contains(b[1]));
        assertTrue(cache.residentBytes() < both);

        // b is loaded again when it is asked for, and now a is the older of the two.
        predict(key, b[0]);
        assertTrue(cache.contains(b[1]));
        cache.trim(cache.residentBytes() - 1, null);
        assertFalse(cache.contains(a[1]));
        assertTrue(cache.contains(b[1]));

        // Nothing stays under a budget of zero, and serving goes on.
        cache.trim(0, null);
        assertFalse(cache.contains(b[1]));
        predict(key, a[0]);
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("bonsai_inference_cache_evictions_total"), "evictions are counted");
    }
}
