package dev.bonsai.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.blob.BlobStore;
import dev.bonsai.job.Attempt;
import dev.bonsai.job.JobLifecycle;
import dev.bonsai.job.JobTesting;
import dev.bonsai.platform.Ids;
import dev.bonsai.support.Api;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Batches as a tenant uses them: a file in, a job, an output whose every row is the predictions
 * API's answer for the same text, downloadable whole or in ranges, in JSONL and CSV, until it
 * expires; bad files refused whole with their lines; another tenant's batch a 404; and a batch
 * resumed from its stored chunks answering every row once. Output is stored in chunks of 20 rows
 * in tests.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    JobLifecycle lifecycle;

    @Inject
    BatchWorker worker;

    @Inject
    BatchBlobs batchBlobs;

    @Inject
    BlobStore blobs;

    @Inject
    EntityManager entities;

    private String tenantId;
    private String apiKey;
    private String model;

    @BeforeEach
    void aTenantWithAModel() throws InterruptedException {
        if (model != null) {
            return; // one tenant and model for the class's tests
        }
        JsonPath tenant = Api.asAdmin().contentType(ContentType.JSON).body(Map.of("name", "batches-" + UUID.randomUUID()))
                .post("/v1/tenants").then().statusCode(201).extract().jsonPath();
        tenantId = tenant.getString("id");
        apiKey = tenant.getString("apiKey.secret");
        model = Api.headModel(apiKey, 12, Map.of("epochs", 30));
    }

    /** {@code rows} texts none of which names its topic, an id column, one empty text and one with CSV's special characters. */
    private static String input(int rows) {
        String[] words = {"goal", "storm", "oven", "team", "rain", "salt", "score", "wind", "recipe"};
        StringBuilder csv = new StringBuilder("ref,text\n");
        for (int i = 0; i < rows; i++) {
            String text = i == 7 ? "" : i == 11 ? "A \"quoted\" note, with a comma, about the " + words[i % 9]
                    : "Another " + words[i % words.length] + " item, number " + (1000 + i);
            csv.append("r-").append(i).append(",\"").append(text.replace("\"", "\"\"")).append("\"\n");
        }
        return csv.toString();
    }

    private static List<String> texts(int rows) {
        List<String> texts = new ArrayList<>();
        for (String line : input(rows).split("\n")) {
            texts.add(line);
        }
        return texts;
    }

    private Response create(String body, Map<String, Object> query) {
        return Api.as(apiKey).contentType("text/csv").queryParams(query).body(body).post("/v1/batches");
    }

    @Test
    void everyRowIsThePredictionsApisAnswerInJsonlAndCsvWholeOrInRanges() throws Exception {
        String file = input(45);
        JsonPath created = create(file, Map.of("model", model, "idColumn", "ref")).then().statusCode(201).extract().jsonPath();
        assertEquals(45, created.getInt("rows"));
        assertEquals("queued", created.getString("status"));
        String id = created.getString("id");
        JsonPath done = Api.awaitJob(apiKey, "/v1/batches/" + id);
        assertEquals("succeeded", done.getString("status"), done.prettify());
        assertEquals(45, done.getInt("rowsDone"));
        assertEquals(1, done.getInt("result.rowsWithErrors"));
        assertNotNull(done.getString("outputExpiresAt"));

        String jsonl = Api.as(apiKey).get("/v1/batches/" + id + "/output").then().statusCode(200)
                .contentType("application/jsonl").extract().asString();
        String[] lines = jsonl.split("\n");
        assertEquals(45, lines.length);
        assertEquals(done.getLong("result.jsonlBytes"), jsonl.getBytes(StandardCharsets.UTF_8).length);

        // The same texts through the predictions API, in other groupings than the batch's.
        List<String> texts = new ArrayList<>();
        List<Integer> predicted = new ArrayList<>();
        List<String> inputLines = texts(45);
        for (int i = 0; i < 45; i++) {
            if (i != 7) {
                String text = inputLines.get(i + 1);
                text = text.substring(text.indexOf(',') + 2, text.length() - 1).replace("\"\"", "\"");
                texts.add(text);
                predicted.add(i);
            }
        }
        List<JsonNode> answers = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += 10) {
            String body = Api.as(apiKey).contentType(ContentType.JSON)
                    .body(Map.of("inputs", texts.subList(from, Math.min(texts.size(), from + 10))))
                    .post("/v1/models/" + model + "/predictions").then().statusCode(200).extract().asString();
            JSON.readTree(body).get("data").forEach(answers::add);
        }
        for (int k = 0; k < predicted.size(); k++) {
            int row = predicted.get(k);
            JsonNode line = JSON.readTree(lines[row]);
            JsonNode answer = answers.get(k);
            assertEquals("r-" + row, line.get("id").asText());
            assertEquals(answer.get("label").asText(), line.get("label").asText(), "row " + row);
            assertEquals(answer.get("score").asDouble(), line.get("score").asDouble(), 0.0, "row " + row);
            for (JsonNode ranked : answer.get("labels")) {
                assertEquals(ranked.get("score").asDouble(), line.get("scores").get(ranked.get("label").asText()).asDouble(),
                        0.0, "row " + row + ", " + ranked.get("label"));
            }
            assertTrue(line.get("error").isNull());
        }
        JsonNode empty = JSON.readTree(lines[7]);
        assertEquals("r-7", empty.get("id").asText());
        assertTrue(empty.get("label").isNull());
        assertEquals("The text is empty.", empty.get("error").asText());

        String csv = Api.as(apiKey).queryParam("format", "csv").get("/v1/batches/" + id + "/output").then().statusCode(200)
                .contentType("text/csv").extract().asString();
        String[] rows = csv.split("\r\n");
        assertEquals(46, rows.length, "a header and every row");
        assertTrue(rows[0].startsWith("id,label,score,score:"), rows[0]);
        JsonNode eleventh = JSON.readTree(lines[11]);
        assertTrue(rows[12].startsWith("r-11," + eleventh.get("label").asText() + "," + eleventh.get("score").asDouble()),
                rows[12]);
        assertTrue(rows[8].startsWith("r-7,,") && rows[8].endsWith(",The text is empty."), rows[8]);

        Response part = Api.as(apiKey).header("Range", "bytes=10-99").get("/v1/batches/" + id + "/output");
        assertEquals(206, part.statusCode());
        assertEquals(jsonl.substring(10, 100), part.asString());
        assertEquals("bytes 10-99/" + jsonl.length(), part.header("Content-Range"));
        String etag = part.header("ETag");
        Api.as(apiKey).header("If-None-Match", etag).get("/v1/batches/" + id + "/output").then().statusCode(304);

        // Another tenant sees none of it.
        String other = Api.newTenant();
        Api.as(other).get("/v1/batches/" + id).then().statusCode(404);
        Api.as(other).get("/v1/batches/" + id + "/output").then().statusCode(404);
        Api.as(other).post("/v1/batches/" + id + "/cancel").then().statusCode(404);
        assertFalse(Api.as(other).get("/v1/batches").then().statusCode(200).extract().asString().contains(id));

        // Once its retention time is over the output is deleted, and says so.
        String jsonlSha = QuarkusTransaction.requiringNew().call(() -> (String) BatchJob.output(
                entities.find(BatchJobEntity.class, id).result, "jsonl").get("sha256"));
        QuarkusTransaction.requiringNew().run(() -> entities.find(BatchJobEntity.class, id).outputExpiresAt =
                OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1));
        assertTrue(batchBlobs.sweep() >= 1);
        assertFalse(blobs.exists(jsonlSha));
        Api.as(apiKey).get("/v1/batches/" + id + "/output").then().statusCode(410)
                .contentType("application/problem+json");
        assertTrue(Api.as(apiKey).get("/v1/batches/" + id).then().extract().jsonPath().getBoolean("result.expired"));
    }

    @Test
    void aFileThatCannotBeReadIsRefusedWholeWithItsLinesAndNothingIsQueued() {
        int before = Api.as(apiKey).queryParam("limit", 100).get("/v1/batches").then().extract().jsonPath()
                .getList("data").size();
        JsonPath noColumn = create("ref,body\nr-1,some words\n", Map.of("model", model)).then().statusCode(422)
                .contentType("application/problem+json").extract().jsonPath();
        assertTrue(noColumn.getString("detail").contains("'text'"), noColumn.prettify());
        JsonPath broken = Api.as(apiKey).contentType("application/jsonl").queryParam("model", model)
                .body("{\"text\": \"fine\"}\n{\"text\": \n{\"text\": \"also fine\"}\n".getBytes(StandardCharsets.UTF_8)).post("/v1/batches").then()
                .statusCode(422).extract().jsonPath();
        assertTrue(broken.getString("errors[0].detail").contains("line 2"), broken.prettify());
        create("text\n", Map.of("model", model)).then().statusCode(422);
        JsonPath noModel = create("text\nwords\n", Map.of("model", "mdl_none")).then().statusCode(422).extract().jsonPath();
        assertEquals("/model", noModel.getString("errors[0].pointer"));
        JsonPath noVariant = create("text\nwords\n", Map.of("model", model, "variant", "var_none")).then().statusCode(422)
                .extract().jsonPath();
        assertEquals("/variant", noVariant.getString("errors[0].pointer"));
        Api.as(apiKey).contentType("text/csv").queryParam("model", model).queryParam("format", "xlsx").body("text\nwords\n")
                .post("/v1/batches").then().statusCode(422);
        Api.as(apiKey).get("/v1/batches/batch_none/output").then().statusCode(404);
        int after = Api.as(apiKey).queryParam("limit", 100).get("/v1/batches").then().extract().jsonPath()
                .getList("data").size();
        assertEquals(before, after, "no batch was queued for a refused file");
    }

    @Test
    void anIdempotencyKeyAnswersTheFirstBatchAndRefusesAnotherFile() throws InterruptedException {
        String key = "batch-" + UUID.randomUUID();
        String first = Api.as(apiKey).contentType("text/csv").header("Idempotency-Key", key).queryParam("model", model)
                .body(input(3)).post("/v1/batches").then().statusCode(201).extract().path("id");
        String again = Api.as(apiKey).contentType("text/csv").header("Idempotency-Key", key).queryParam("model", model)
                .body(input(3)).post("/v1/batches").then().statusCode(200).extract().path("id");
        assertEquals(first, again);
        String code = Api.as(apiKey).contentType("text/csv").header("Idempotency-Key", key).queryParam("model", model)
                .body(input(4)).post("/v1/batches").then().statusCode(422).extract().path("code");
        assertEquals("idempotency_key_reused", code);
        // Until it has succeeded there is no output to download.
        Api.as(apiKey).post("/v1/batches/" + first + "/cancel");
        JsonPath ended = Api.awaitJob(apiKey, "/v1/batches/" + first);
        if (!ended.getString("status").equals("succeeded")) {
            Api.as(apiKey).get("/v1/batches/" + first + "/output").then().statusCode(409);
        }
    }

    @Test
    void aBatchResumedFromItsStoredChunksAnswersEveryRowOnceAsAnUninterruptedOneDoes() throws Exception {
        String file = input(60);
        String sha = blobs.putBytes(file.getBytes(StandardCharsets.UTF_8));
        String variant = Api.as(apiKey).get("/v1/models/" + model).then().extract().path("variants[0].id");

        // One run through, as a worker runs it: three chunks of 20 rows.
        String whole = row(sha, variant, List.of(), 0);
        run(whole);
        BatchJobEntity uninterrupted = find(whole);
        assertEquals("succeeded", uninterrupted.status);
        assertEquals(3, uninterrupted.chunks.size());

        // Another, as if its first attempt had stored one chunk and then died: the next goes on after row 20.
        String resumed = row(sha, variant, List.of(uninterrupted.chunks.get(0)), 20);
        run(resumed);
        BatchJobEntity after = find(resumed);
        assertEquals("succeeded", after.status);
        assertEquals(60, after.rowsDone);
        assertEquals(BatchJob.output(uninterrupted.result, "jsonl").get("sha256"), BatchJob.output(after.result, "jsonl")
                .get("sha256"), "the same output, every row once");
        assertEquals(BatchJob.output(uninterrupted.result, "csv").get("sha256"), BatchJob.output(after.result, "csv")
                .get("sha256"));
        assertTrue(Api.as(apiKey).get("/v1/batches/" + resumed + "/events").then().extract().asString()
                .contains("Resuming after row 20 of 60"));

        // Once ended, a job's chunks are dropped; the output holds their rows.
        worker.ended(whole);
        assertTrue(find(whole).chunks.isEmpty());
        assertTrue(blobs.exists((String) BatchJob.output(uninterrupted.result, "jsonl").get("sha256")));
    }

    @Test
    void aBatchThatEndedWithoutAnOutputHasItsInputDeletedWhenItsRetentionIsOver() throws Exception {
        String sha = blobs.putBytes(("text\nan input only this test stores " + UUID.randomUUID() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        String variant = Api.as(apiKey).get("/v1/models/" + model).then().extract().path("variants[0].id");
        // Cancelled, and its tidy-up gave it an expiry.
        String tidied = row(sha, variant, List.of(), 0);
        QuarkusTransaction.requiringNew().run(() -> {
            BatchJobEntity job = entities.find(BatchJobEntity.class, tidied);
            job.status = "cancelled";
            job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
        });
        worker.ended(tidied);
        assertNotNull(find(tidied).outputExpiresAt, "a cancelled batch expires too");
        // Failed eight days ago on a replica that died before its tidy-up: no expiry was written.
        String untidied = row(sha, variant, List.of(), 0);
        QuarkusTransaction.requiringNew().run(() -> {
            BatchJobEntity job = entities.find(BatchJobEntity.class, untidied);
            job.status = "failed";
            job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC).minusDays(8);
        });
        assertTrue(batchBlobs.sweep() >= 1);
        assertTrue(blobs.exists(sha), "the cancelled batch still holds the input until its own expiry");
        QuarkusTransaction.requiringNew().run(() -> entities.find(BatchJobEntity.class, tidied).outputExpiresAt =
                OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1));
        assertTrue(batchBlobs.sweep() >= 1);
        assertFalse(blobs.exists(sha), "nothing holds the input any more");
        JsonPath shown = Api.as(apiKey).get("/v1/batches/" + untidied).then().statusCode(200).extract().jsonPath();
        assertEquals("failed", shown.getString("status"));
        assertNull(shown.get("result"));
        assertNotNull(shown.getString("outputExpiresAt"));
    }

    /** Runs the job's work on a thread of its own, with no request context, as the scheduler's threads do. */
    private void run(String jobId) throws Exception {
        BatchJobEntity started = JobTesting.start(lifecycle, BatchJobEntity.class, jobId);
        Attempt<BatchJobEntity> attempt = JobTesting.attempt(lifecycle, BatchJobEntity.class, jobId, started.attempts);
        java.util.concurrent.FutureTask<Void> work = new java.util.concurrent.FutureTask<>(() -> {
            worker.work(started, attempt);
            return null;
        });
        new Thread(work, "batch-test-worker").start();
        work.get(2, java.util.concurrent.TimeUnit.MINUTES);
    }

    private BatchJobEntity find(String id) {
        return QuarkusTransaction.requiringNew().call(() -> entities.find(BatchJobEntity.class, id));
    }

    /** A batch row made here, never queued: only this test runs it. */
    private String row(String sha, String variant, List<Map<String, Object>> chunks, long rowsDone) {
        String id = Ids.next("batch");
        QuarkusTransaction.requiringNew().run(() -> {
            BatchJobEntity job = new BatchJobEntity();
            job.id = id;
            job.tenantId = tenantId;
            job.modelId = model;
            job.variantId = variant;
            job.inputSha256 = sha;
            job.inputFormat = "csv";
            job.textColumn = "text";
            job.rowsTotal = 60;
            job.rowsDone = rowsDone;
            job.chunks = new ArrayList<>(chunks);
            job.status = "queued";
            job.attempts = rowsDone > 0 ? 1 : 0;
            job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
            job.persist();
        });
        assertNull(find(id).result);
        return id;
    }
}
