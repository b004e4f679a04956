package dev.bonsai.inference;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PredictionApiTest {

    private static final List<String> TEXTS = List.of("The striker scored a late goal.", "Heavy rain and wind tonight.",
            "Bake the bread for forty minutes.");

    @Inject
    SessionCache cache;

    @Inject
    SharedEncoders shared;

    private static String trainedModel(String key) throws InterruptedException {
        return Api.headModel(key, 20, Map.of());
    }

    @Test
    void predictionsEqualTheDownloadedGraphsOutputs() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key);
        JsonPath answer = as(key).contentType(ContentType.JSON).body(Map.of("inputs", TEXTS, "returnEmbedding", true))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200)
                .body("model", equalTo(modelId)).body("data.size()", equalTo(3)).body("usage.inputs", equalTo(3))
                .extract().jsonPath();
        assertEquals(List.of("sports", "weather", "cooking"), answer.getList("data.label"));
        assertTrue(answer.getInt("usage.tokens") > 10);
        assertEquals(384, answer.getList("data[0].embedding").size());

        String variantId = answer.getString("variant");
        byte[] onnx = as(key).get("/v1/models/" + modelId + "/variants/" + variantId + "/content").then().statusCode(200)
                .extract().asByteArray();
        List<String> labels = as(key).get("/v1/models/" + modelId).then().extract().path("labels");
        Encoder.Tokens tokens;
        try (Encoder tokenizer = Encoder.open(BaseModel.ALL_MINILM_L6_V2, new Encoder.Options(1, 32, 256))) {
            tokens = tokenizer.tokenize(TEXTS);
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(onnx, new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", OnnxTensor.createTensor(environment, tokens.ids()));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, tokens.attentionMask()));
            inputs.put("token_type_ids", OnnxTensor.createTensor(environment, tokens.typeIds()));
            try (OrtSession.Result result = session.run(inputs)) {
                float[][] probabilities = (float[][]) result.get("probabilities").orElseThrow().getValue();
                for (int i = 0; i < TEXTS.size(); i++) {
                    List<Map<String, Object>> ranked = answer.getList("data[" + i + "].labels");
                    assertEquals(labels.size(), ranked.size());
                    for (Map<String, Object> entry : ranked) {
                        int c = labels.indexOf((String) entry.get("label"));
                        assertEquals(probabilities[i][c], ((Number) entry.get("score")).doubleValue(), 1e-5);
                    }
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", TEXTS, "topK", 1, "variant", "recommended"))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200)
                .body("data[0].labels.size()", equalTo(1)).body("variant", equalTo(variantId));
    }

    @Test
    void badRequestsAreProblemsWithPointers() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key);
        String path = "/v1/models/" + modelId + "/predictions";
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of())).post(path).then().statusCode(422)
                .body("errors.pointer", hasItem("/inputs"));
        as(key).contentType(ContentType.JSON).body(Map.of()).post(path).then().statusCode(422)
                .body("errors.pointer", hasItem("/inputs"));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", Collections.nCopies(257, "x"))).post(path).then()
                .statusCode(422).body("errors.pointer", hasItem("/inputs"));
        List<String> withBlank = new ArrayList<>(List.of("fine", " "));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", withBlank)).post(path).then().statusCode(422)
                .body("errors.pointer", hasItem("/inputs/1"));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("x".repeat(40_000)))).post(path).then()
                .statusCode(422).body("errors.pointer", hasItem("/inputs/0"));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("a"), "topK", 0)).post(path).then()
                .statusCode(422).body("errors.pointer", hasItem("/topK"));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("a"), "topK", 9)).post(path).then()
                .statusCode(422).body("errors.pointer", hasItem("/topK"));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("a"), "variant", "var_missing")).post(path)
                .then().statusCode(404);
        as(key).contentType(ContentType.JSON).body("{\"inputs\": [\"a\", \"b\"").post(path).then().statusCode(400);

        String other = Api.newTenant();
        as(other).contentType(ContentType.JSON).body(Map.of("inputs", List.of("a"))).post(path).then().statusCode(404);
        as(key).delete("/v1/models/" + modelId).then().statusCode(204);
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("a"))).post(path).then().statusCode(404);
    }

    @Test
    void evictionClosesSessionsOnceNoRequestHoldsThem() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key);
        String variantId = as(key).get("/v1/models/" + modelId).then().extract().path("variants[0].id");
        Map<String, Object> variant = as(key).get("/v1/models/" + modelId + "/variants/" + variantId).then()
                .extract().jsonPath().getMap("");
        List<String> labels = as(key).get("/v1/models/" + modelId).then().extract().path("labels");
        SessionCache.VariantSource source = new SessionCache.VariantSource(variantId, (String) variant.get("sha256"),
                ((Number) variant.get("bytes")).longValue(), BaseModel.ALL_MINILM_L6_V2, 256, labels, null);

        cache.acquire(source).release();
        assertTrue(cache.contains(variantId), "the session is cached after use");
        LoadedVariant held = cache.acquire(source);
        cache.trim(0, null);
        assertFalse(cache.contains(variantId), "evicted over budget");
        assertFalse(held.isClosed(), "a request still holds it, so it stays open");
        held.run(List.of("still usable while held"));
        held.release();
        assertTrue(held.isClosed(), "closed once the last holder released it");

        cache.acquire(source).release();
        assertTrue(cache.contains(variantId), "loads again");
    }

    @Test
    void headModelsOfDifferentTenantsShareOneEncoderAndKeepTheirOwnRows() throws Exception {
        int models = 3;
        List<String> keys = new ArrayList<>();
        List<String> modelIds = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            keys.add(Api.newTenant());
            modelIds.add(trainedModel(keys.get(m)));
        }
        // Each request has its own texts; answered alone first, then all at once.
        List<List<String>> texts = new ArrayList<>();
        List<JsonPath> alone = new ArrayList<>();
        for (int r = 0; r < 12; r++) {
            List<String> mine = List.of("Request " + r + ": the match ended with a late goal.",
                    "Request " + r + ": rain and " + "wind ".repeat(r + 1) + "tonight.");
            texts.add(mine);
            alone.add(as(keys.get(r % models)).contentType(ContentType.JSON).body(Map.of("inputs", mine))
                    .post("/v1/models/" + modelIds.get(r % models) + "/predictions").then().statusCode(200)
                    .extract().jsonPath());
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            List<java.util.concurrent.Callable<JsonPath>> calls = new ArrayList<>();
            for (int r = 0; r < 12; r++) {
                int request = r;
                calls.add(() -> as(keys.get(request % models)).contentType(ContentType.JSON)
                        .body(Map.of("inputs", texts.get(request))).post("/v1/models/" + modelIds.get(request % models)
                                + "/predictions").then().statusCode(200).extract().jsonPath());
            }
            List<java.util.concurrent.Future<JsonPath>> together = pool.invokeAll(calls);
            for (int r = 0; r < 12; r++) {
                JsonPath answer = together.get(r).get();
                assertEquals(modelIds.get(r % models), answer.getString("model"));
                assertEquals(alone.get(r).getInt("usage.tokens"), answer.getInt("usage.tokens"), "request " + r);
                // Batched with other tenants' texts of other lengths, every score is what the request got alone.
                for (int i = 0; i < 2; i++) {
                    assertEquals(alone.get(r).getString("data[" + i + "].label"), answer.getString("data[" + i + "].label"));
                    List<Map<String, Object>> expected = alone.get(r).getList("data[" + i + "].labels");
                    List<Map<String, Object>> actual = answer.getList("data[" + i + "].labels");
                    for (int c = 0; c < expected.size(); c++) {
                        assertEquals(expected.get(c).get("label"), actual.get(c).get("label"));
                        assertEquals(((Number) expected.get(c).get("score")).doubleValue(),
                                ((Number) actual.get(c).get("score")).doubleValue(), 1e-6, "request " + r + ", text " + i);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        java.util.regex.Matcher max = java.util.regex.Pattern.compile(
                "bonsai_inference_shared_batch_requests_max\\{model=\"all-minilm-l6-v2\"\\} ([0-9.]+)").matcher(metrics);
        assertTrue(max.find(), "batch metrics are exported");
        assertTrue(Double.parseDouble(max.group(1)) > 1, "concurrent requests were batched together: " + max.group(1));
        for (int m = 0; m < models; m++) {
            String variantId = as(keys.get(m)).get("/v1/models/" + modelIds.get(m)).then().extract().path("variants[0].id");
            assertFalse(cache.contains(variantId), "served by the shared encoder, with no session of their own: " + variantId);
        }
    }

    @Test
    void aNewModelIsWarmedUpBeforeItsFirstRequest() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key);
        String variantId = as(key).get("/v1/models/" + modelId).then().extract().path("variants[0].id");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!shared.hasHead(variantId) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(shared.hasHead(variantId), "its head was loaded when the model was created");
    }
}
