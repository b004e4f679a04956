package dev.bonsai.finetune;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.graph.ClassifierGraph;
import dev.bonsai.engine.train.SoftmaxHead;
import dev.bonsai.model.ModelVariantEntity;
import dev.bonsai.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fine-tuning jobs against the real base model on small generated data. */
@QuarkusTest
class FineTuneApiTest {

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    @TestHTTPResource("/")
    URL root;

    @jakarta.inject.Inject
    BlobStore blobs;

    static String createJob(String key, Map<String, Object> body) {
        return as(key).contentType(ContentType.JSON).body(body).post("/v1/fine-tuning/jobs").then().statusCode(201)
                .body("id", startsWith("ftjob_")).body("status", equalTo("queued")).extract().path("id");
    }

    static JsonPath awaitEnd(String key, String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath job = as(key).get("/v1/fine-tuning/jobs/" + jobId).then().statusCode(200).extract().jsonPath();
            String status = job.getString("status");
            if (List.of("succeeded", "failed", "cancelled").contains(status)) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + jobId + " did not end within " + JOB_TIMEOUT);
    }

    @Test
    void headJobProducesADownloadableModel() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(20));
        String jobId = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "head",
                "name", "topics", "hyperparameters", Map.of("seed", 7, "epochs", 30)));

        JsonPath job = awaitEnd(key, jobId);
        assertEquals("succeeded", job.getString("status"), () -> "job ended " + job.prettify());
        assertEquals(1.0, job.getDouble("progress"));
        assertTrue(job.getDouble("result.test.accuracy") >= 0.8, "test accuracy " + job.getDouble("result.test.accuracy"));
        String modelId = job.getString("modelId");

        JsonPath events = as(key).queryParam("limit", 100).get("/v1/fine-tuning/jobs/" + jobId + "/events").then()
                .statusCode(200).extract().jsonPath();
        List<String> types = events.getList("data.type");
        assertTrue(types.contains("metrics"), "per-epoch metrics events");
        assertTrue(events.getList("data.message", String.class).stream().anyMatch(m -> m.startsWith("Model ")));
        // The maximum length was left to "auto": fitted to the short sample texts, not the model's 256.
        String length = events.getList("data.message", String.class).stream()
                .filter(m -> m != null && m.startsWith("Maximum sequence length ")).findFirst().orElseThrow();
        assertTrue(length.startsWith("Maximum sequence length 16 tokens") || length.startsWith("Maximum sequence length 32 tokens"),
                length);

        JsonPath model = as(key).get("/v1/models/" + modelId).then().statusCode(200)
                .body("name", equalTo("topics")).body("baseModel", equalTo("all-minilm-l6-v2"))
                .body("datasetId", equalTo(dataset)).body("jobId", equalTo(jobId))
                .body("labels", equalTo(List.of("cooking", "sports", "weather")))
                .body("variants[0].kind", equalTo("original")).body("variants[0].format", equalTo("onnx"))
                .extract().jsonPath();
        String variantId = model.getString("variants[0].id");
        String sha256 = model.getString("variants[0].sha256");
        as(key).get("/v1/models").then().statusCode(200).body("data.id", hasItem(modelId));
        as(key).get("/v1/models/" + modelId + "/variants").then().statusCode(200).body("data[0].id", equalTo(variantId));

        // A head model's graph is not stored until something reads it; then it is made again, the same bytes.
        assertFalse(blobs.exists(sha256), "a head model's graph is made on first read");
        var download = as(key).get("/v1/models/" + modelId + "/variants/" + variantId + "/content?format=onnx").then()
                .statusCode(200).header("ETag", "\"" + sha256 + "\"")
                .header("Content-Disposition", startsWith("attachment")).extract();
        byte[] onnx = download.asByteArray();
        assertEquals(model.getLong("variants[0].bytes"), onnx.length);
        assertEquals(sha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx)));
        as(key).get("/v1/models/" + modelId + "/variants/" + variantId + "/content?format=tflite").then().statusCode(422);

        // The head is also stored on its own, for the shared encoder, and is the graph's head.
        String headSha256 = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(
                () -> ModelVariantEntity.<ModelVariantEntity>findById(variantId).headSha256);
        SoftmaxHead stored;
        try (java.io.InputStream in = blobs.open(headSha256)) {
            stored = SoftmaxHead.fromBytes(in.readAllBytes());
        }
        SoftmaxHead inGraph = ClassifierGraph.split(onnx).head();
        assertTrue(java.util.Arrays.deepEquals(inGraph.weights(), stored.weights()));
        assertTrue(java.util.Arrays.equals(inGraph.bias(), stored.bias()));

        // The dataset is free again, and the model can be deleted, with its artifacts.
        as(key).delete("/v1/models/" + modelId).then().statusCode(204);
        as(key).get("/v1/models/" + modelId).then().statusCode(404);
        assertFalse(blobs.exists(headSha256), "the head blob is removed with its model");
        assertFalse(blobs.exists(sha256), "the graph is removed with its model");
    }

    @Test
    void fullAndPartialMethodsTrainTheEncoder() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(10));
        String full = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "full",
                "hyperparameters", Map.of("epochs", 1, "batchSize", 8, "maxSequenceLength", 32)));
        String partial = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "partial",
                "hyperparameters", Map.of("epochs", 1, "batchSize", 8, "unfreezeLayers", 2, "maxSequenceLength", 32)));
        for (String jobId : List.of(full, partial)) {
            JsonPath job = awaitEnd(key, jobId);
            assertEquals("succeeded", job.getString("status"), () -> "job ended " + job.prettify());
            assertTrue(job.getDouble("result.trainingSamplesPerSecond") > 0);
            List<String> messages = as(key).queryParam("limit", 100).get("/v1/fine-tuning/jobs/" + jobId + "/events")
                    .then().extract().path("data.message");
            assertTrue(messages.stream().anyMatch(m -> m.startsWith("Fine-tuning ")), messages.toString());
            assertTrue(messages.stream().anyMatch(m -> m.startsWith("The validation split has only 3 rows")),
                    "3 validation rows are too few to choose an epoch on, and the job says so: " + messages);
            String modelId = job.getString("modelId");
            String method = jobId.equals(full) ? "full" : "partial";
            // Without a name, the model is named after what it was made from.
            String datasetName = as(key).get("/v1/datasets/" + dataset).then().extract().path("name");
            as(key).get("/v1/models/" + modelId).then().statusCode(200).body("method", equalTo(method))
                    .body("name", equalTo(datasetName + " · " + method + " · all-minilm-l6-v2"));
        }
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "partial", "hyperparameters", Map.of("unfreezeLayers", 7))).post("/v1/fine-tuning/jobs").then()
                .statusCode(422).body("errors.pointer", hasItem("/hyperparameters/unfreezeLayers"));
    }

    @Test
    void everythingCheckableIsCheckedBeforeQueueing() {
        String key = Api.newTenant();
        String other = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(4));
        String othersDataset = Api.uploadCsv(other, Api.sampleCsv(4));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "gpt-5", "dataset", dataset, "method", "head"))
                .post("/v1/fine-tuning/jobs").then().statusCode(422).contentType("application/problem+json")
                .body("errors.pointer", hasItem("/baseModel"));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", othersDataset,
                "method", "head")).post("/v1/fine-tuning/jobs").then().statusCode(422).body("errors.pointer", hasItem("/dataset"));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "magic")).post("/v1/fine-tuning/jobs").then().statusCode(422).body("errors.pointer", hasItem("/method"));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "head", "hyperparameters", Map.of("epochs", 0, "learningRate", "fast", "dropout", 0.1)))
                .post("/v1/fine-tuning/jobs").then().statusCode(422)
                .body("errors.pointer", hasItem("/hyperparameters/epochs"))
                .body("errors.pointer", hasItem("/hyperparameters/learningRate"))
                .body("errors.pointer", hasItem("/hyperparameters/dropout"));
        as(key).contentType(ContentType.JSON).body(Map.of()).post("/v1/fine-tuning/jobs").then().statusCode(422)
                .body("errors.pointer", hasItem("/dataset"));
        as(key).get("/v1/fine-tuning/jobs").then().statusCode(200).body("data.size()", equalTo(0));
    }

    @Test
    void idempotencyKeyReturnsTheSameJob() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(4));
        Map<String, Object> body = Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "head");
        String first = as(key).contentType(ContentType.JSON).header("Idempotency-Key", "retry-1").body(body)
                .post("/v1/fine-tuning/jobs").then().statusCode(201).extract().path("id");
        String again = as(key).contentType(ContentType.JSON).header("Idempotency-Key", "retry-1").body(body)
                .post("/v1/fine-tuning/jobs").then().statusCode(200).extract().path("id");
        assertEquals(first, again);
        // The same key with another body is refused, not answered with the first job.
        as(key).contentType(ContentType.JSON).header("Idempotency-Key", "retry-1")
                .body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "head", "name", "another"))
                .post("/v1/fine-tuning/jobs").then().statusCode(422).contentType("application/problem+json")
                .body("code", equalTo("idempotency_key_reused")).body("errors.pointer", hasItem("/Idempotency-Key"));
        // First calls racing with one key make one job; each answers with it.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Callable<io.restassured.response.Response>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(() -> as(key).contentType(ContentType.JSON).header("Idempotency-Key", "race-1").body(body)
                        .post("/v1/fine-tuning/jobs"));
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            int created = 0;
            for (java.util.concurrent.Future<io.restassured.response.Response> answer : pool.invokeAll(calls)) {
                io.restassured.response.Response response = answer.get();
                assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response.asString());
                created += response.statusCode() == 201 ? 1 : 0;
                ids.add(response.path("id"));
            }
            assertEquals(1, ids.size(), ids.toString());
            assertEquals(1, created);
            awaitEnd(key, ids.iterator().next());
        } finally {
            pool.shutdownNow();
        }
        awaitEnd(key, first);
        // Another tenant's identical key is another job.
        String otherKey = Api.newTenant();
        String otherDataset = Api.uploadCsv(otherKey, Api.sampleCsv(4));
        String other = as(otherKey).contentType(ContentType.JSON).header("Idempotency-Key", "retry-1")
                .body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", otherDataset, "method", "head"))
                .post("/v1/fine-tuning/jobs").then().statusCode(201).extract().path("id");
        assertTrue(!other.equals(first));
        awaitEnd(otherKey, other);
    }

    @Test
    void cancelStopsTheJobWithoutAModelAndFreesTheDataset() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(200));
        String validation = Api.uploadCsv(key, Api.sampleCsv(5));
        String jobId = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "validationDataset", validation, "method", "head"));
        as(key).delete("/v1/datasets/" + dataset).then().statusCode(409).body("code", equalTo("conflict"));
        as(key).delete("/v1/datasets/" + validation).then().statusCode(409).body("code", equalTo("conflict"))
                .body("detail", org.hamcrest.Matchers.containsString("validation dataset"));
        as(key).post("/v1/fine-tuning/jobs/" + jobId + "/cancel").then().statusCode(200);
        JsonPath job = awaitEnd(key, jobId);
        assertEquals("cancelled", job.getString("status"));
        assertNull(job.get("modelId"));
        as(key).post("/v1/fine-tuning/jobs/" + jobId + "/cancel").then().statusCode(409);
        as(key).delete("/v1/datasets/" + dataset).then().statusCode(204);
        as(key).delete("/v1/datasets/" + validation).then().statusCode(204);
    }

    @Test
    void aValidationDatasetOfItsOwnTakesThePlaceOfTheDatasetsValidationRows() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(20));
        String validation = Api.uploadCsv(key, Api.sampleCsv(5));
        String jobId = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "validationDataset", validation, "method", "head", "hyperparameters", Map.of("epochs", 10)));
        JsonPath job = awaitEnd(key, jobId);
        assertEquals("succeeded", job.getString("status"), () -> job.prettify());
        List<Integer> support = job.getList("result.validation.perClass.support");
        assertEquals(15, support.stream().mapToInt(Integer::intValue).sum(),
                "every row of the validation dataset, none of the dataset's own 6 validation rows");
        assertEquals(6, job.<Integer>getList("result.test.perClass.support").stream().mapToInt(Integer::intValue).sum(),
                "the dataset's own test rows");
    }

    @Test
    void failureIsDataOnTheJob() throws Exception {
        String key = Api.newTenant();
        String train = Api.uploadCsv(key, Api.sampleCsv(4));
        String validation = Api.uploadCsv(key, "text,label\nsomething else,unknown\nanother one,unknown\nx y,sports\nz w,sports\n");
        String jobId = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", train,
                "validationDataset", validation, "method", "head"));
        JsonPath job = awaitEnd(key, jobId);
        assertEquals("failed", job.getString("status"));
        assertEquals("unknown_label", job.getString("error.code"));
        assertEquals("validationDataset", job.getString("error.param"));
        assertTrue(job.getString("error.message").contains("unknown"));
    }

    @Test
    void eventsStreamLiveUntilTheJobEnds() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(6));
        String jobId = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "head",
                "hyperparameters", Map.of("epochs", 3)));
        HttpRequest request = HttpRequest.newBuilder(URI.create(root.toString() + "v1/fine-tuning/jobs/" + jobId + "/events"))
                .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream")
                .timeout(JOB_TIMEOUT).build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> data = response.body().lines().filter(line -> line.startsWith("data:")).toList();
        assertTrue(data.stream().anyMatch(line -> line.contains("\"type\":\"metrics\"")), response.body());
        assertTrue(data.get(data.size() - 1).contains("is ready"), "the stream ends with the job: " + data.get(data.size() - 1));
    }

    @Test
    void anotherTenantsJobsAndModelsAreInvisible() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(4));
        String jobId = createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset, "method", "head"));
        JsonPath job = awaitEnd(key, jobId);
        String modelId = job.getString("modelId");
        assertEquals("succeeded", job.getString("status"));
        String variantId = as(key).get("/v1/models/" + modelId).then().extract().path("variants[0].id");

        String other = Api.newTenant();
        as(other).get("/v1/fine-tuning/jobs/" + jobId).then().statusCode(404);
        as(other).get("/v1/fine-tuning/jobs/" + jobId + "/events").then().statusCode(404);
        as(other).header("Accept", "text/event-stream").get("/v1/fine-tuning/jobs/" + jobId + "/events").then().statusCode(404);
        as(other).post("/v1/fine-tuning/jobs/" + jobId + "/cancel").then().statusCode(404);
        as(other).get("/v1/models/" + modelId).then().statusCode(404);
        as(other).get("/v1/models/" + modelId + "/variants").then().statusCode(404);
        as(other).get("/v1/models/" + modelId + "/variants/" + variantId).then().statusCode(404);
        as(other).get("/v1/models/" + modelId + "/variants/" + variantId + "/content").then().statusCode(404);
        as(other).delete("/v1/models/" + modelId).then().statusCode(404);
        as(other).get("/v1/fine-tuning/jobs").then().statusCode(200).body("data.size()", equalTo(0));
        as(other).get("/v1/models").then().statusCode(200).body("data.size()", equalTo(0));
        as(key).get("/v1/models/" + modelId).then().statusCode(200).body("id", notNullValue());
    }
}
