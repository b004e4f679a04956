package dev.bonsai.finetune;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.SmallPairs;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Embedding models end to end against the real base model: a pair dataset, contrastive
 * fine-tuning, the retrieval figures, and the embeddings API, whose vectors the downloaded graph
 * reproduces in ONNX Runtime.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddingModelApiTest {

    private String key;
    private String dataset;
    private JsonPath job;

    static String uploadPairs(String key, String csv) {
        return as(key).contentType("text/csv").queryParam("task", "embedding").queryParam("name", "questions").body(csv)
                .post("/v1/datasets").then().statusCode(201).extract().path("id");
    }

    /** One tenant, pair dataset and embedding model for every test, made by the first (RestAssured's port is set per test). */
    @BeforeEach
    void trainOne() throws InterruptedException {
        if (job != null) {
            return;
        }
        key = Api.newTenant();
        dataset = uploadPairs(key, SmallPairs.csv());
        String jobId = FineTuneApiTest.createJob(key, Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "full", "hyperparameters", Map.of("epochs", 2, "batchSize", 8, "seed", 5)));
        job = FineTuneApiTest.awaitEnd(key, jobId);
    }

    @Test
    void aPairDatasetIsSplitByAnchorAndReported() {
        JsonPath got = as(key).get("/v1/datasets/" + dataset).then().statusCode(200).extract().jsonPath();
        assertEquals("embedding", got.getString("task"));
        assertEquals("anchor", got.getString("anchorColumn"));
        assertEquals("positive", got.getString("positiveColumn"));
        assertNull(got.getString("negativeColumn"), "the file has no negatives");
        assertNull(got.getString("textColumn"));
        assertEquals(48, got.getInt("rows"));
        assertEquals("anchor", got.getString("splits.method"));
        assertTrue(got.getInt("splits.test") >= 1 && got.getInt("splits.validation") >= 1, got.prettify());
        JsonPath report = as(key).get("/v1/datasets/" + dataset + "/report").then().statusCode(200).extract().jsonPath();
        assertEquals(48, report.getInt("stats.pairs.pairs"));
        assertEquals(48, report.getInt("stats.pairs.anchors"));
        assertEquals(0, report.getInt("stats.pairs.duplicatePairs"));
        assertEquals(0, report.getInt("stats.pairs.leakedAnchors"));
        assertEquals(0, report.getInt("stats.classes"));
        assertTrue(report.getList("warnings.code").contains("small_validation_split"), report.prettify());

        JsonPath rows = as(key).queryParam("limit", 2).get("/v1/datasets/" + dataset + "/rows").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(SmallPairs.anchors().get(0), rows.getString("data[0].text"));
        assertEquals(SmallPairs.positives().get(0), rows.getString("data[0].positive"));
        assertNull(rows.getString("data[0].label"));
    }

    @Test
    void pairsWithNegativesDuplicatesAndLeaksAreCountedAndWarned() {
        String csv = "question,answer,wrong,split\n"
                + "q one,a one,n one,train\nq two,a two,,train\nq three,a three,n three,train\nq one,a one,,train\n"
                + "q four,a four,,validation\nq one,a five,,test\n";
        JsonPath got = as(key).contentType("text/csv").queryParam("task", "embedding").queryParam("anchorColumn", "question")
                .queryParam("positiveColumn", "answer").queryParam("negativeColumn", "wrong").queryParam("splitColumn", "split")
                .body(csv).post("/v1/datasets").then().statusCode(201).extract().jsonPath();
        assertEquals("wrong", got.getString("negativeColumn"));
        assertEquals("column", got.getString("splits.method"));
        assertEquals(2, got.getInt("report.stats.pairs.withNegative"));
        assertEquals(1, got.getInt("report.stats.pairs.duplicatePairs"));
        assertEquals(1, got.getInt("report.stats.pairs.leakedAnchors"), got.prettify());
        List<String> warnings = got.getList("report.warnings.code");
        assertTrue(warnings.contains("duplicate_pairs") && warnings.contains("split_leakage"), warnings.toString());
        String id = got.getString("id");
        JsonPath rows = as(key).get("/v1/datasets/" + id + "/rows").then().statusCode(200).extract().jsonPath();
        assertEquals("n one", rows.getString("data[0].negative"));
        assertNull(rows.getString("data[1].negative"));
    }

    /** Several pairs per anchor: every pair of one anchor lands in one split, so no test query was trained on. */
    @Test
    void everyPairOfAnAnchorIsInOneSplit() {
        StringBuilder csv = new StringBuilder("anchor,positive\n");
        for (int q = 0; q < 30; q++) {
            for (int p = 0; p < 3; p++) {
                csv.append("question number ").append(q).append(",answer ").append(p).append(" to question ").append(q)
                        .append('\n');
            }
        }
        String id = uploadPairs(key, csv.toString());
        JsonPath report = as(key).get("/v1/datasets/" + id + "/report").then().statusCode(200).extract().jsonPath();
        assertEquals(30, report.getInt("stats.pairs.anchors"));
        assertEquals(0, report.getInt("stats.pairs.leakedAnchors"));
        assertEquals(9, report.getInt("splits.test"), "3 test anchors of 30, with their 3 pairs each");
        assertEquals(9, report.getInt("splits.validation"));
        java.util.Map<String, String> splitOf = new java.util.HashMap<>();
        JsonPath rows = as(key).queryParam("limit", 100).get("/v1/datasets/" + id + "/rows").then().statusCode(200)
                .extract().jsonPath();
        List<String> anchors = rows.getList("data.text");
        List<String> splits = rows.getList("data.split");
        for (int i = 0; i < anchors.size(); i++) {
            String earlier = splitOf.putIfAbsent(anchors.get(i), splits.get(i));
            assertTrue(earlier == null || earlier.equals(splits.get(i)), anchors.get(i) + " is in " + earlier + " and "
                    + splits.get(i));
        }
    }

    @Test
    void badPairUploadsAreRefusedWithTheirLineOrField() {
        as(key).contentType("text/csv").queryParam("task", "embedding").body("anchor,positive\nq one,a one\nq two,\n")
                .post("/v1/datasets").then().statusCode(422).body("errors.detail", hasItem(
                        org.hamcrest.Matchers.startsWith("empty_positive")));
        as(key).contentType("text/csv").queryParam("task", "embedding").body("question,answer\nq,a\n")
                .post("/v1/datasets").then().statusCode(422).body("errors.detail", hasItem(
                        org.hamcrest.Matchers.containsString("anchorColumn and positiveColumn")));
        as(key).contentType("text/csv").queryParam("task", "embedding").queryParam("negativeColumn", "hard")
                .body("anchor,positive\nq,a\nr,b\ns,c\nt,d\n").post("/v1/datasets").then().statusCode(422)
                .body("errors.detail", hasItem(org.hamcrest.Matchers.containsString("'hard'")));
        as(key).contentType("text/csv").queryParam("task", "embedding").body("anchor,positive\nq,a\nr,b\n")
                .post("/v1/datasets").then().statusCode(422).body("errors.detail", hasItem(
                        org.hamcrest.Matchers.startsWith("too_few_pairs")));
        as(key).contentType("text/csv").queryParam("task", "embedding").queryParam("labelColumn", "label")
                .body("anchor,positive\nq,a\n").post("/v1/datasets").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/labelColumn"));
        as(key).contentType("text/csv").queryParam("anchorColumn", "q").body("text,label\nq,a\n").post("/v1/datasets")
                .then().statusCode(422).body("errors[0].pointer", equalTo("/anchorColumn"));
        as(key).contentType("text/csv").queryParam("task", "ranking").body("text,label\nq,a\n").post("/v1/datasets")
                .then().statusCode(422).body("errors[0].pointer", equalTo("/task"));
        as(key).contentType("application/jsonl").queryParam("task", "embedding")
                .body("{\"anchor\": \"q\", \"positive\": 3}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/v1/datasets").then().statusCode(422)
                .body("errors.detail", hasItem(org.hamcrest.Matchers.startsWith("wrong_type")));
    }

    @Test
    void aJobMustTrainWhatItsDatasetHolds() {
        String labelled = Api.uploadCsv(key, Api.sampleCsv(5));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "full", "task", "classification")).post("/v1/fine-tuning/jobs").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/task"));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", labelled,
                "method", "full", "task", "embedding")).post("/v1/fine-tuning/jobs").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/task"));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "head")).post("/v1/fine-tuning/jobs").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/method"));
        as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "full", "validationDataset", labelled)).post("/v1/fine-tuning/jobs").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/validationDataset"));
    }

    @Test
    void theJobTrainsAnEmbeddingModelAndReportsWhatItRetrievesAgainstTheBaseModel() {
        assertEquals("succeeded", job.getString("status"), job::prettify);
        assertEquals("embedding", job.getString("task"));
        for (String split : List.of("validation", "test")) {
            for (String figure : List.of("recallAt1", "recallAt10", "mrrAt10", "ndcgAt10")) {
                double trained = job.getDouble("result." + split + "." + figure);
                double base = job.getDouble("result.baseModel." + split + "." + figure);
                assertTrue(trained >= 0 && trained <= 1 && base >= 0 && base <= 1, split + " " + figure);
            }
            assertEquals(job.getInt("result." + split + ".queries"), job.getInt("result.baseModel." + split + ".queries"));
        }
        assertTrue(job.getInt("result.bestEpoch") >= 1 && job.getInt("result.epochsRun") <= 2, job::prettify);
        JsonPath model = as(key).get("/v1/models/" + job.getString("modelId")).then().statusCode(200).extract().jsonPath();
        assertEquals("embedding", model.getString("task"));
        assertEquals(List.of(), model.getList("labels"));
        assertEquals(job.getDouble("result.test.mrrAt10"), model.getDouble("variants[0].metrics.mrrAt10"));
        assertEquals("test", model.getString("variants[0].metrics.evaluatedOn"));
        JsonPath events = as(key).queryParam("limit", 100).get("/v1/fine-tuning/jobs/" + job.getString("id") + "/events")
                .then().statusCode(200).extract().jsonPath();
        assertTrue(events.getList("data.data.validationMrrAt10").stream().anyMatch(value -> value != null), events.prettify());
    }

    @Test
    void theEmbeddingsApiAnswersAsOpenAiDoesWithTheDownloadedGraphsVectors() throws Exception {
        String modelId = job.getString("modelId");
        List<String> texts = List.of("where do penguins breed", "Koalas feed almost only on eucalyptus leaves.", "bread");
        JsonPath answer = as(key).contentType(ContentType.JSON).body(Map.of("input", texts, "model", "ignored"))
                .post("/v1/models/" + modelId + "/embeddings").then().statusCode(200).extract().jsonPath();
        assertEquals("list", answer.getString("object"));
        assertEquals(modelId, answer.getString("model"));
        assertEquals(List.of(0, 1, 2), answer.getList("data.index"));
        assertEquals(List.of("embedding", "embedding", "embedding"), answer.getList("data.object"));
        assertTrue(answer.getInt("usage.prompt_tokens") > 3);
        assertEquals(answer.getInt("usage.prompt_tokens"), answer.getInt("usage.total_tokens"));
        float[][] vectors = new float[3][];
        for (int i = 0; i < 3; i++) {
            List<Float> values = answer.getList("data[" + i + "].embedding", Float.class);
            vectors[i] = new float[values.size()];
            for (int d = 0; d < values.size(); d++) {
                vectors[i][d] = values.get(d);
            }
            assertEquals(BaseModel.ALL_MINILM_L6_V2.dimensions(), vectors[i].length);
            double norm = 0;
            for (float value : vectors[i]) {
                norm += value * value;
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }

        // One text alone, as a string, gives the vector it had among the others.
        JsonPath single = as(key).contentType(ContentType.JSON).body(Map.of("input", texts.get(1)))
                .post("/v1/models/" + modelId + "/embeddings").then().statusCode(200).extract().jsonPath();
        List<Float> alone = single.getList("data[0].embedding", Float.class);
        for (int d = 0; d < alone.size(); d++) {
            assertEquals(vectors[1][d], alone.get(d), 1e-6f);
        }

        // base64: the same floats, little-endian, as OpenAI's clients decode them.
        String encoded = as(key).contentType(ContentType.JSON).body(Map.of("input", texts, "encoding_format", "base64"))
                .post("/v1/models/" + modelId + "/embeddings").then().statusCode(200).extract().path("data[2].embedding");
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        for (int d = 0; d < decoded.length; d++) {
            decoded[d] = bytes.getFloat();
        }
        assertArrayEquals(vectors[2], decoded, 1e-6f);

        // The downloaded graph, run by ONNX Runtime with the base model's tokenizer, gives the same vectors.
        String variantId = as(key).get("/v1/models/" + modelId).then().extract().path("variants[0].id");
        byte[] graph = as(key).get("/v1/models/" + modelId + "/variants/" + variantId + "/content").then().statusCode(200)
                .extract().asByteArray();
        byte[] tokenizer;
        try (InputStream json = TextTokenizer.resource(BaseModel.ALL_MINILM_L6_V2.tokenizerResource())) {
            tokenizer = json.readAllBytes();
        }
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizer, 256, 1)) {
            float[][] local = runner.runAll(texts, 8).embeddings();
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(local[i], vectors[i], 1e-5f);
            }
        }
    }

    /** The dashboard shows what an embedding model is: pairs, retrieval figures against the base model, and a search box. */
    @Test
    void theDashboardShowsPairsRetrievalFiguresAndRanksPassages() {
        String token = io.restassured.RestAssured.given().redirects().follow(false).formParam("apiKey", key)
                .post("/dashboard/sign-in").then().statusCode(303).extract().cookie("bonsai_session");
        String datasetPage = io.restassured.RestAssured.given().cookie("bonsai_session", token)
                .get("/dashboard/datasets/" + dataset).then().statusCode(200).extract().asString();
        assertTrue(datasetPage.contains("Distinct anchors") && datasetPage.contains(SmallPairs.positives().get(0)
                .replace("'", "&#39;")), "the pairs and their rows");
        String modelId = job.getString("modelId");
        String modelPage = io.restassured.RestAssured.given().cookie("bonsai_session", token)
                .get("/dashboard/models/" + modelId).then().statusCode(200).extract().asString();
        assertTrue(modelPage.contains("What it retrieves") && modelPage.contains("MRR@10") && modelPage.contains("before training"),
                "retrieval figures against the base model");
        assertTrue(!modelPage.contains("Compress for a device"), "no compression for an embedding model yet");
        String jobPage = io.restassured.RestAssured.given().cookie("bonsai_session", token)
                .get("/dashboard/fine-tuning/" + job.getString("id")).then().statusCode(200).extract().asString();
        assertTrue(jobPage.contains("Test MRR@10") && jobPage.contains("validation MRR@10 per epoch"), "the outcome and chart");
        io.restassured.RestAssured.given().cookie("bonsai_session", token).get("/dashboard/models")
                .then().statusCode(200);
        io.restassured.RestAssured.given().cookie("bonsai_session", token).get("/dashboard/datasets")
                .then().statusCode(200);

        String page = io.restassured.RestAssured.given().cookie("bonsai_session", token)
                .get("/dashboard/api-keys").then().statusCode(200).extract().asString();
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page);
        assertTrue(csrf.find(), "the page carries its CSRF token");
        String ranked = io.restassured.RestAssured.given().cookie("bonsai_session", token)
                .header("X-CSRF-Token", csrf.group(1))
                .formParam("query", "what do koalas eat")
                .formParam("passages", "The Nile runs to the Mediterranean.\nKoalas feed almost only on eucalyptus leaves.")
                .post("/dashboard/models/" + modelId + "/search").then().statusCode(200).extract().asString();
        assertTrue(ranked.indexOf("eucalyptus") < ranked.indexOf("Nile"), "the answer ranks first: " + ranked);
    }

    /** A batch on an embedding model writes each row's vector, the embeddings API's for the same text. */
    @Test
    void aBatchOnAnEmbeddingModelWritesTheEmbeddingsApisVectors() throws Exception {
        String modelId = job.getString("modelId");
        List<String> texts = List.of("where do penguins breed", "", "how far is the moon", "Yeast makes dough rise.",
                "a, \"quoted\" text");
        StringBuilder csv = new StringBuilder("ref,text\n");
        for (int i = 0; i < texts.size(); i++) {
            csv.append("r").append(i).append(",\"").append(texts.get(i).replace("\"", "\"\"")).append("\"\n");
        }
        String id = as(key).contentType("text/csv").queryParam("model", modelId).queryParam("idColumn", "ref")
                .body(csv.toString()).post("/v1/batches").then().statusCode(201).extract().path("id");
        JsonPath done = Api.awaitJob(key, "/v1/batches/" + id);
        assertEquals("succeeded", done.getString("status"), done::prettify);
        assertEquals(1, done.getInt("result.rowsWithErrors"));
        String[] lines = as(key).get("/v1/batches/" + id + "/output").then().statusCode(200).extract().asString().split("\n");
        String[] csvLines = as(key).queryParam("format", "csv").get("/v1/batches/" + id + "/output").then().statusCode(200)
                .extract().asString().split("\r\n");
        assertEquals(texts.size(), lines.length);
        assertEquals(texts.size() + 1, csvLines.length);
        assertTrue(csvLines[0].startsWith("id,dim:0,dim:1,") && csvLines[0].endsWith(",dim:383,error"), csvLines[0]);
        for (int i = 0; i < texts.size(); i++) {
            JsonPath line = JsonPath.from(lines[i]);
            assertEquals("r" + i, line.getString("id"));
            String[] cells = csvLines[i + 1].split(",", -1);
            assertEquals(1 + 384 + 1, cells.length, csvLines[i + 1]);
            if (texts.get(i).isEmpty()) {
                assertNull(line.get("embedding"));
                assertEquals("The text is empty.", line.getString("error"));
                continue;
            }
            List<Float> vector = line.getList("embedding", Float.class);
            List<Float> alone = as(key).contentType(ContentType.JSON).body(Map.of("input", texts.get(i)))
                    .post("/v1/models/" + modelId + "/embeddings").then().statusCode(200).extract().jsonPath()
                    .getList("data[0].embedding", Float.class);
            assertEquals(384, vector.size());
            for (int d = 0; d < 384; d++) {
                assertEquals(alone.get(d), vector.get(d), 1e-6f, "row " + i + ", value " + d);
                assertEquals(vector.get(d), Float.parseFloat(cells[1 + d]), 0f, "the CSV holds the same floats");
            }
        }
    }

    @Test
    void embeddingRequestsAreCheckedAndTheModelIsOnlyItsTenants() {
        String modelId = job.getString("modelId");
        String path = "/v1/models/" + modelId + "/embeddings";
        as(key).contentType(ContentType.JSON).body(Map.of("input", List.of())).post(path).then().statusCode(422)
                .body("errors[0].pointer", equalTo("/input"));
        as(key).contentType(ContentType.JSON).body(Map.of("input", List.of("fine", 1))).post(path).then().statusCode(422)
                .body("errors[0].pointer", equalTo("/input/1"));
        as(key).contentType(ContentType.JSON).body(Map.of("input", 7)).post(path).then().statusCode(422)
                .body("errors[0].pointer", equalTo("/input"));
        as(key).contentType(ContentType.JSON).body(Map.of("input", " ")).post(path).then().statusCode(422)
                .body("errors[0].pointer", equalTo("/input/0"));
        as(key).contentType(ContentType.JSON).body(Map.of("input", "a", "dimensions", 100)).post(path).then().statusCode(422)
                .body("errors[0].pointer", equalTo("/dimensions"));
        as(key).contentType(ContentType.JSON).body(Map.of("input", "a", "encoding_format", "int8")).post(path).then()
                .statusCode(422).body("errors[0].pointer", equalTo("/encoding_format"));
        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("a"))).post("/v1/models/" + modelId + "/predictions")
                .then().statusCode(409).body("code", equalTo("conflict"));
        as(key).contentType(ContentType.JSON).body(Map.of("model", modelId, "device", "raspberry-pi-4"))
                .post("/v1/compression/jobs").then().statusCode(409).body("code", equalTo("conflict"));

        String other = Api.newTenant();
        as(other).contentType(ContentType.JSON).body(Map.of("input", "a")).post(path).then().statusCode(404);
        as(other).get("/v1/datasets/" + dataset).then().statusCode(404);
    }
}
