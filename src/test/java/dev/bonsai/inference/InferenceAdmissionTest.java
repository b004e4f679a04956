package dev.bonsai.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The server-wide bound on prediction requests holds where they arrive, before any thread is taken. */
@QuarkusTest
@TestProfile(InferenceAdmissionTest.FewInFlight.class)
class InferenceAdmissionTest {

    /** Three prediction requests at once; the encoder's own queue (12 in tests) is never reached. */
    public static class FewInFlight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("bonsai.inference.max-in-flight", "3");
        }
    }

    @Inject
    InferenceAdmission admission;

    @TestHTTPResource("/")
    URL root;

    @Test
    void beyondTheServersBoundARequestIsRefusedAtOnceAndTheSlotsComeBack() throws Exception {
        String key = Api.newTenant();
        String modelId = Api.headModel(key, 6, Map.of());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(root + "v1/models/" + modelId + "/predictions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [\"The storm came in the morning paper\","
                        + " \"A goal for the team\", \"Bake it with salt\", \"Rain and wind all day\"]}"))
                .timeout(Duration.ofSeconds(60)).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        int served = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get();
            if (response.statusCode() == 503) {
                refused++;
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
                assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
                assertTrue(response.body().contains("prediction requests running or waiting"), response.body());
            } else {
                assertEquals(200, response.statusCode(), response.body());
                served++;
            }
        }
        assertTrue(refused > 0, "40 at once against a bound of 3: some are refused (" + served + " served)");
        assertTrue(served > 0);
        // Every slot is given back once its answer is sent.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (admission.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, admission.inFlight());
        assertEquals(200, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
