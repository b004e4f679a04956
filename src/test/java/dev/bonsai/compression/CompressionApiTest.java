package dev.bonsai.compression;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
class CompressionApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String trainedModel(String key, int perClass) throws InterruptedException {
        // A seed of its own, which compression must reuse for its distillation.
        return Api.headModel(key, perClass, Map.of("maxSequenceLength", 32, "seed", 7));
    }

    private static JsonPath await(String key, String path) throws InterruptedException {
        return Api.awaitJob(key, path);
    }

    private static String compress(String key, Map<String, Object> body) {
        return as(key).contentType(ContentType.JSON).body(body).post("/v1/compression/jobs").then().statusCode(201)
                .extract().path("id");
    }

    @Test
    void measuresEveryVariantAndRecommendsOneThatFits() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key, 20);
        // Before any compression "recommended" is the original; the answer must not outlive the job.
        String before = as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("The goal of the match"),
                "variant", "recommended")).post("/v1/models/" + modelId + "/predictions").then().statusCode(200)
                .extract().path("variant");
        String jobId = compress(key, Map.of("model", modelId, "device", "raspberry-pi-4", "techniques",
                List.of("int8-dynamic", "vocabulary-pruning", "layer-drop:2+int8-dynamic"), "maxAccuracyDrop", 0.05));
        JsonPath job = await(key, "/v1/compression/jobs/" + jobId);
        assertEquals("succeeded", job.getString("status"), job.prettify());
        List<Map<String, Object>> variants = job.getList("result.variants");
        assertEquals(List.of("original", "int8-dynamic", "vocabulary-pruning", "layer-drop:2+int8-dynamic"),
                variants.stream().map(variant -> variant.get("recipe")).toList());
        long originalBytes = ((Number) variants.get(0).get("bytes")).longValue();
        for (Map<String, Object> variant : variants) {
            assertNotNull(variant.get("variantId"));
            assertTrue(((Number) variant.get("bytes")).longValue() > 0);
            assertNotNull(((Map<?, ?>) ((Map<?, ?>) variant.get("hostLatency")).get("batch1")).get("p50Millis"));
            assertNotNull(((Map<?, ?>) ((Map<?, ?>) variant.get("hostLatency")).get("batch32")).get("p95Millis"));
            Map<?, ?> deviceLatency = (Map<?, ?>) variant.get("deviceLatency");
            assertEquals("estimate", deviceLatency.get("basis"), "a Raspberry Pi's latency is estimated, and says so");
            assertTrue(((String) deviceLatency.get("how")).contains("relative speed"), deviceLatency.toString());
            assertTrue(List.of("recommended", "accepted", "rejected", "does-not-fit").contains(variant.get("status")));
            double delta = ((Number) variant.get("accuracyDelta")).doubleValue();
            assertEquals(delta < -0.05, variant.get("status").equals("rejected"), variant.toString());
            assertEquals(3, ((Map<?, ?>) variant.get("perClassF1Delta")).size());
        }
        long int8Bytes = ((Number) variants.get(1).get("bytes")).longValue();
        long prunedBytes = ((Number) variants.get(2).get("bytes")).longValue();
        assertTrue(int8Bytes < originalBytes * 0.4, int8Bytes + " of " + originalBytes);
        assertTrue(prunedBytes < originalBytes * 0.5, "a pruned vocabulary is much smaller: " + prunedBytes);
        // The test rows inform no step: the pruned vocabulary was built from the other rows, and the report says
        // how differently it reads the test texts; the gate decided on validation rows.
        Map<?, ?> tokenization = (Map<?, ?>) variants.get(2).get("testTokenization");
        assertEquals(0, ((Number) tokenization.get("newUnknownTokens")).intValue(), tokenization.toString());
        assertTrue(((Number) tokenization.get("texts")).intValue() > 0, tokenization.toString());
        assertEquals("validation", job.getString("result.gatedOn"));
        assertEquals("validation", ((Map<?, ?>) variants.get(1).get("validation")).get("rows"));
        assertFalse(job.getList("result.paretoFrontier").isEmpty());

        String recommended = job.getString("result.recommendedVariantId");
        assertNotNull(recommended, job.getString("result.recommendation"));
        String served = as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("The goal of the match"),
                "variant", "recommended")).post("/v1/models/" + modelId + "/predictions").then().statusCode(200)
                .extract().path("variant");
        String originalId = (String) variants.get(0).get("variantId");
        assertEquals(recommended.equals(originalId) ? originalId : recommended, served);
        assertEquals(originalId, before);

        // The pruned variant is served with its own tokenizer and answers like the original.
        String prunedId = (String) variants.get(2).get("variantId");
        List<String> texts = List.of("The rain story number 3, about weather", "The oven story number 7, about cooking");
        List<Object> fromOriginal = as(key).contentType(ContentType.JSON).body(Map.of("inputs", texts, "variant", "original"))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200).extract().path("data.label");
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", texts, "variant", prunedId))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200).body("data.label", equalTo(fromOriginal));

        // An int8 variant answers a text alone exactly as it does among other texts of other lengths.
        String int8Id = (String) variants.get(1).get("variantId");
        List<String> mixed = List.of("Rain.", "The oven story number 7, about cooking a loaf of bread slowly for hours",
                texts.get(0), "Goal!");
        JsonPath together = as(key).contentType(ContentType.JSON).body(Map.of("inputs", mixed, "variant", int8Id))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200).extract().jsonPath();
        for (int i = 0; i < mixed.size(); i++) {
            JsonPath alone = as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of(mixed.get(i)),
                    "variant", int8Id)).post("/v1/models/" + modelId + "/predictions").then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(scores(alone, 0), scores(together, i), "text " + i + " alone and in a request of " + mixed.size());
        }

        // Provenance is stored with the variant and written into its graph.
        as(key).get("/v1/models/" + modelId + "/variants/" + prunedId).then().statusCode(200)
                .body("recipe", equalTo("vocabulary-pruning")).body("compressionJobId", equalTo(jobId))
                .body("provenance.parent", equalTo(originalId)).body("metrics.status", equalTo(variants.get(2).get("status")))
                .body("provenance.seed", equalTo(7));
        byte[] onnx = as(key).get("/v1/models/" + modelId + "/variants/" + prunedId + "/content").then().statusCode(200)
                .extract().asByteArray();
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx, new OrtSession.SessionOptions())) {
            Map<String, String> metadata = session.getMetadata().getCustomMetadata();
            assertEquals("vocabulary-pruning", metadata.get("bonsai.recipe"));
            assertEquals(originalId, metadata.get("bonsai.parent"));
            assertNull(metadata.get("bonsai.calibrationDatasetSha256"), "only int8-static is calibrated");
        }
        List<String> eventTypes = as(key).get("/v1/compression/jobs/" + jobId + "/events?limit=100").then().statusCode(200)
                .extract().path("data.type");
        assertTrue(eventTypes.contains("metrics"));

        bundleVerifiesWithOnnxRuntimeAndTheTokenizerAlone(key, modelId, (String) variants.get(3).get("variantId"));
    }

    /** Every label's score of one answer, by label. */
    private static Map<String, Double> scores(JsonPath answer, int index) {
        Map<String, Double> scores = new HashMap<>();
        List<Map<String, Object>> labels = answer.getList("data[" + index + "].labels");
        labels.forEach(entry -> scores.put((String) entry.get("label"), ((Number) entry.get("score")).doubleValue()));
        return scores;
    }

    /** Unpacks a bundle and checks it with ONNX Runtime and the tokenizer library only. */
    private static void bundleVerifiesWithOnnxRuntimeAndTheTokenizerAlone(String key, String modelId, String variantId)
            throws Exception {
        String path = "/v1/models/" + modelId + "/variants/" + variantId + "/content?format=bundle";
        Response download = as(key).get(path);
        download.then().statusCode(200).contentType("application/zip");
        byte[] zip = download.asByteArray();
        assertEquals("\"" + sha256(zip) + "\"", download.getHeader("ETag"));
        // A client that has this content already is told so, with no body.
        Response unchanged = as(key).header("If-None-Match", download.getHeader("ETag")).get(path);
        unchanged.then().statusCode(304).header("ETag", download.getHeader("ETag"));
        assertEquals(0, unchanged.asByteArray().length);
        as(key).header("If-None-Match", "\"" + "0".repeat(64) + "\"").get(path).then().statusCode(200);
        assertTrue(download.getHeader("Content-Disposition").contains(".zip"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                files.put(entry.getName(), in.readAllBytes());
            }
        }
        assertEquals(List.of("model.onnx", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "labels.json", "bonsai.json", "parity.jsonl", "MODEL_CARD.md", "SHA256SUMS"), List.copyOf(files.keySet()));
        for (String line : new String(files.get("SHA256SUMS"), StandardCharsets.UTF_8).split("\n")) {
            String[] parts = line.split("  ");
            assertEquals(parts[0], sha256(files.get(parts[1])), parts[1]);
        }
        JsonNode description = JSON.readTree(files.get("bonsai.json"));
        // On the runtime that wrote parity.jsonl (this one), the outputs hold to 1e-5.
        double tolerance = description.path("parity").path("tolerances").path(0).path("maxDifference").asDouble();
        assertEquals(1e-5, tolerance);
        assertTrue(description.has("deviceReport"));
        assertTrue(new String(files.get("MODEL_CARD.md"), StandardCharsets.UTF_8).contains("## Intended use"));

        Path tokenizerFile = Files.createTempFile("bundle", "tokenizer.json");
        Files.write(tokenizerFile, files.get("tokenizer.json"));
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        int checked = 0;
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile);
                OrtSession session = environment.createSession(files.get("model.onnx"), new OrtSession.SessionOptions())) {
            for (String line : new String(files.get("parity.jsonl"), StandardCharsets.UTF_8).split("\n")) {
                JsonNode row = JSON.readTree(line);
                Encoding encoding = tokenizer.encode(row.get("text").asText());
                assertEquals(row.get("inputIds").toString(), JSON.writeValueAsString(encoding.getIds()), line);
                Map<String, OnnxTensor> inputs = new HashMap<>();
                inputs.put("input_ids", OnnxTensor.createTensor(environment, new long[][] {encoding.getIds()}));
                inputs.put("attention_mask", OnnxTensor.createTensor(environment, new long[][] {encoding.getAttentionMask()}));
                inputs.put("token_type_ids", OnnxTensor.createTensor(environment, new long[][] {encoding.getTypeIds()}));
                try (OrtSession.Result result = session.run(inputs)) {
                    float[] probabilities = ((float[][]) result.get("probabilities").orElseThrow().getValue())[0];
                    float[] expected = new float[probabilities.length];
                    for (int c = 0; c < expected.length; c++) {
                        expected[c] = (float) row.get("probabilities").get(c).asDouble();
                    }
                    assertArrayEquals(expected, probabilities, (float) tolerance, line);
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
                checked++;
            }
        } finally {
            Files.deleteIfExists(tokenizerFile);
        }
        assertTrue(checked > 0);

        // Ranges of the same bundle, and a range past the end.
        Response part = as(key).header("Range", "bytes=10-109").get(path);
        part.then().statusCode(206).header("Content-Range", "bytes 10-109/" + zip.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(zip, 10, 110), part.asByteArray());
        as(key).header("Range", "bytes=" + zip.length + "-").get(path).then().statusCode(416)
                .contentType("application/problem+json").header("Content-Range", "bytes */" + zip.length);
    }

    @Test
    void theBrowserProfileIsMeasuredInTheWebRuntimeNotEstimated() throws Exception {
        dev.bonsai.support.NodeChecks.home();
        String key = Api.newTenant();
        String modelId = trainedModel(key, 8);
        String jobId = compress(key, Map.of("model", modelId, "device", "browser-wasm", "techniques",
                List.of("vocabulary-pruning+int8-dynamic"), "maxAccuracyDrop", 1.0));
        JsonPath job = await(key, "/v1/compression/jobs/" + jobId);
        assertEquals("succeeded", job.getString("status"), job.prettify());
        List<Map<String, Object>> variants = job.getList("result.variants");
        for (Map<String, Object> variant : variants) {
            Map<?, ?> latency = (Map<?, ?>) variant.get("deviceLatency");
            assertEquals("measured", latency.get("basis"), variant.toString());
            assertTrue(((String) latency.get("how")).startsWith("onnxruntime-web 1.30.0 (WebAssembly"), latency.toString());
            assertTrue(((Number) latency.get("loadMillis")).doubleValue() > 0, latency.toString());
            assertTrue(((Number) latency.get("batch1P95Millis")).doubleValue()
                    >= ((Number) latency.get("batch1P50Millis")).doubleValue(), latency.toString());
        }
        // The original (fp32, 90 MB) is over the profile's 50 MB budget; the pruned int8 variant fits and is chosen.
        assertEquals("does-not-fit", variants.get(0).get("status"));
        assertEquals("recommended", variants.get(1).get("status"), variants.get(1).toString());
    }

    @Test
    void whenNothingFitsTheJobSaysWhyAndWhatCameClosest() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key, 8);
        String jobId = compress(key, Map.of("model", modelId, "device", "cortex-m7", "techniques", List.of("fp16",
                "vocabulary-pruning+int8-dynamic")));
        JsonPath job = await(key, "/v1/compression/jobs/" + jobId);
        assertEquals("succeeded", job.getString("status"), job.prettify());
        // The job's events as a live stream: every event, then the stream ends with the job.
        String stream = as(key).header("Accept", "text/event-stream").get("/v1/compression/jobs/" + jobId + "/events")
                .then().statusCode(200).contentType(containsString("text/event-stream")).extract().asString();
        List<String> data = stream.lines().filter(line -> line.startsWith("data:")).toList();
        assertTrue(data.stream().anyMatch(line -> line.contains("\"type\":\"metrics\"")), stream);
        assertTrue(data.get(data.size() - 1).contains("No variant"), "ends with the outcome: " + data.get(data.size() - 1));
        assertNull(job.get("result.recommendedVariantId"));
        assertTrue(job.getString("result.recommendation").startsWith("No variant"), job.getString("result.recommendation"));
        assertNotNull(job.getString("result.closestVariantId"));
        List<Map<String, Object>> variants = job.getList("result.variants");
        Map<String, Object> fp16 = variants.stream().filter(variant -> variant.get("recipe").equals("fp16")).findFirst()
                .orElseThrow();
        assertEquals("does-not-fit", fp16.get("status"));
        assertTrue(fp16.get("fitProblems").toString().contains("fp16 is not supported"), fp16.toString());
        assertTrue(fp16.get("fitProblems").toString().contains("model budget"), fp16.toString());
        // With no recommendation, "recommended" serves the original.
        String originalId = (String) variants.get(0).get("variantId");
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("x"), "variant", "recommended"))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200).body("variant", equalTo(originalId));
    }

    @Test
    void badRequestsAreProblemsWithPointersAndJobsAreIsolated() throws Exception {
        String key = Api.newTenant();
        String modelId = trainedModel(key, 8);
        as(key).contentType(ContentType.JSON).body(Map.of("model", modelId, "device", "toaster", "techniques",
                List.of("int8-dynamic+vocabulary-pruning", "magic", "layer-drop:6"), "maxAccuracyDrop", 2))
                .post("/v1/compression/jobs").then().statusCode(422)
                .body("errors.pointer", hasItem("/device")).body("errors.pointer", hasItem("/techniques/0"))
                .body("errors.pointer", hasItem("/techniques/1")).body("errors.pointer", hasItem("/techniques/2"))
                .body("errors.pointer", hasItem("/maxAccuracyDrop"));
        as(key).contentType(ContentType.JSON).body(Map.of("device", "raspberry-pi-4")).post("/v1/compression/jobs").then()
                .statusCode(422).body("errors.pointer", hasItem("/model"));
        as(key).contentType(ContentType.JSON).body(Map.of("model", modelId, "device", "browser-wasm", "techniques", 7))
                .post("/v1/compression/jobs").then().statusCode(422).body("errors.pointer", hasItem("/techniques"));

        String other = Api.newTenant();
        as(other).contentType(ContentType.JSON).body(Map.of("model", modelId, "device", "browser-wasm"))
                .post("/v1/compression/jobs").then().statusCode(422).body("errors.pointer", hasItem("/model"));

        // auto expands into recipes for the device; a queued job behind a running one is cancelled at once.
        JsonPath first = as(key).contentType(ContentType.JSON).header("Idempotency-Key", "compress-1")
                .body(Map.of("model", modelId, "device", "browser-wasm")).post("/v1/compression/jobs").then()
                .statusCode(201).extract().jsonPath();
        assertTrue(first.getList("techniques").contains("vocabulary-pruning+int8-dynamic"), first.prettify());
        assertFalse(first.getList("techniques").contains("vocabulary-pruning+fp16"), "the browser profile has no fp16");
        as(key).contentType(ContentType.JSON).header("Idempotency-Key", "compress-1")
                .body(Map.of("model", modelId, "device", "browser-wasm")).post("/v1/compression/jobs").then()
                .statusCode(200).body("id", equalTo(first.getString("id")));
        as(key).contentType(ContentType.JSON).header("Idempotency-Key", "compress-1")
                .body(Map.of("model", modelId, "device", "raspberry-pi-4")).post("/v1/compression/jobs").then()
                .statusCode(422).body("code", equalTo("idempotency_key_reused"));
        String second = compress(key, Map.of("model", modelId, "device", "jetson-orin-nano", "techniques",
                List.of("fp16")));
        // The model's dataset is read by the waiting and running jobs: it cannot be deleted under them.
        String dataset = as(key).get("/v1/models/" + modelId).then().statusCode(200).extract().path("datasetId");
        as(key).delete("/v1/datasets/" + dataset).then().statusCode(409).body("code", equalTo("conflict"))
                .body("detail", org.hamcrest.Matchers.containsString("compression job"));
        as(other).get("/v1/compression/jobs/" + second).then().statusCode(404);
        as(other).post("/v1/compression/jobs/" + second + "/cancel").then().statusCode(404);
        as(other).get("/v1/compression/jobs/" + second + "/events").then().statusCode(404);
        as(key).post("/v1/compression/jobs/" + second + "/cancel").then().statusCode(200);
        assertEquals("cancelled", await(key, "/v1/compression/jobs/" + second).getString("status"));
        // The running auto job is cancelled within a step.
        as(key).post("/v1/compression/jobs/" + first.getString("id") + "/cancel").then().statusCode(200);
        JsonPath cancelled = await(key, "/v1/compression/jobs/" + first.getString("id"));
        // Its distillation takes longer than the cancel takes to arrive, so it cannot have finished first.
        assertEquals("cancelled", cancelled.getString("status"), cancelled.prettify());
        as(other).get("/v1/compression/jobs").then().statusCode(200).body("data.size()", equalTo(0));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
