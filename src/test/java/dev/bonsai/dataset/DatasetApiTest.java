package dev.bonsai.dataset;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

@QuarkusTest
class DatasetApiTest {

    @Inject
    dev.bonsai.platform.BonsaiConfig config;

    @Inject
    BlobStore blobs;

    @Test
    void csvUploadAnswersWithDatasetAndReport() {
        String key = Api.newTenant();
        JsonPath dataset = as(key).contentType("text/csv").queryParam("name", "topics").body(Api.sampleCsv(20))
                .post("/v1/datasets").then().statusCode(201)
                .body("id", startsWith("ds_"))
                .body("name", equalTo("topics"))
                .body("status", equalTo("ready"))
                .body("format", equalTo("csv"))
                .body("rows", equalTo(60))
                .body("report.status", equalTo("ready"))
                .body("report.errors.size()", equalTo(0))
                .body("report.stats.classes", equalTo(3))
                .body("report.stats.labels.label", hasItems("sports", "weather", "cooking"))
                .body("report.stats.tokens.tokenizer", equalTo("all-minilm-l6-v2"))
                .body("report.stats.characters.histogram.size()", greaterThan(0))
                .body("report.splits.method", equalTo("stratified"))
                .body("report.splits.train", equalTo(48))
                .body("report.splits.validation", equalTo(6))
                .body("report.splits.test", equalTo(6))
                .extract().jsonPath();
        List<Map<String, Object>> labels = dataset.getList("report.stats.labels");
        for (Map<String, Object> label : labels) {
            assertEquals(16, label.get("train"), "stratified: every class split 16/2/2");
            assertEquals(2, label.get("validation"));
            assertEquals(2, label.get("test"));
        }
        // Six validation rows cannot choose an epoch; 33 (11 per label) can.
        assertEquals(List.of("small_validation_split"), dataset.getList("report.warnings.code"));
        assertTrue(dataset.getString("report.warnings[0].message").startsWith("The validation split has only 6 rows"
                + " (the fewest for one label: 2)"), dataset.getString("report.warnings[0].message"));
        as(key).contentType("text/csv").body(Api.sampleCsv(110)).post("/v1/datasets").then().statusCode(201)
                .body("report.splits.validation", equalTo(33)).body("report.warnings.code", not(hasItem("small_validation_split")));
        String sha256 = dataset.getString("sha256");
        assertTrue(blobs.exists(sha256), "the original file is kept in blob storage");
        assertEquals(Api.sampleCsv(20).getBytes(StandardCharsets.UTF_8).length, dataset.getLong("bytes"));

        String id = dataset.getString("id");
        as(key).get("/v1/datasets/" + id).then().statusCode(200).body("status", equalTo("ready"))
                .body("report", nullValue()).body("labels.size()", equalTo(3));
        as(key).get("/v1/datasets/" + id + "/report").then().statusCode(200).body("stats.rows", equalTo(60));
    }

    @Test
    void splitsAreDeterministic() {
        String key = Api.newTenant();
        String csv = Api.sampleCsv(10);
        String first = Api.uploadCsv(key, csv);
        String second = Api.uploadCsv(key, csv);
        List<String> firstSplits = as(key).queryParam("limit", 100).get("/v1/datasets/" + first + "/rows")
                .then().statusCode(200).extract().path("data.split");
        List<String> secondSplits = as(key).queryParam("limit", 100).get("/v1/datasets/" + second + "/rows")
                .then().statusCode(200).extract().path("data.split");
        assertEquals(firstSplits, secondSplits);
        assertTrue(firstSplits.contains("test") && firstSplits.contains("validation") && firstSplits.contains("train"));
    }

    @Test
    void multipartUploadOfTsvAndJsonl() {
        String key = Api.newTenant();
        String tsv = "sentence\tcategory\n" + "good film\tpos\nbad film\tneg\ngreat plot\tpos\nawful plot\tneg\n";
        as(key).multiPart("file", "reviews.tsv", tsv.getBytes(StandardCharsets.UTF_8), "application/octet-stream")
                .multiPart("textColumn", "sentence").multiPart("labelColumn", "category")
                .post("/v1/datasets").then().statusCode(201)
                .body("format", equalTo("tsv")).body("name", equalTo("reviews.tsv")).body("rows", equalTo(4))
                .body("textColumn", equalTo("sentence"));

        String jsonl = "{\"text\":\"good film\",\"label\":1}\n{\"text\":\"bad film\",\"label\":0}\n\n"
                + "{\"text\":\"great plot\",\"label\":1}\n{\"text\":\"awful plot\",\"label\":0}\n";
        as(key).multiPart("file", "reviews.jsonl", jsonl.getBytes(StandardCharsets.UTF_8), "application/octet-stream")
                .multiPart("name", "numeric labels")
                .post("/v1/datasets").then().statusCode(201)
                .body("format", equalTo("jsonl")).body("report.stats.labels.label", hasItems("0", "1"));

        as(key).contentType("application/x-ndjson").body(jsonl.getBytes(StandardCharsets.UTF_8)).post("/v1/datasets").then().statusCode(201)
                .body("format", equalTo("jsonl"));
        as(key).multiPart("file", "data.bin", "text,label\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets").then().statusCode(422).body("errors[0].pointer", equalTo("/format"));
        as(key).multiPart("name", "no file").post("/v1/datasets").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/file"));
    }

    @Test
    void splitColumnIsHonouredAndLeakageReported() {
        String key = Api.newTenant();
        String csv = "text,label,part\n"
                + "alpha one,a,train\nalpha two,a,train\nbeta one,b,train\nbeta two,b,train\n"
                + "alpha one,a,test\nbeta three,b,dev\n";
        as(key).contentType("text/csv").queryParam("splitColumn", "part").body(csv).post("/v1/datasets").then()
                .statusCode(201)
                .body("report.splits.method", equalTo("column"))
                .body("report.splits.train", equalTo(4))
                .body("report.splits.validation", equalTo(1))
                .body("report.splits.test", equalTo(1))
                .body("report.warnings.code", hasItems("split_leakage", "duplicate_texts"));
    }

    @Test
    void warningsDoNotBlock() {
        String key = Api.newTenant();
        StringBuilder csv = new StringBuilder("text,label\n");
        for (int i = 0; i < 30; i++) {
            csv.append("common text ").append(i).append(",Positive\n");
        }
        csv.append("rare one,negative\nrare two,negative\n");
        csv.append("odd one,positive \nodd two,positive \n");
        csv.append("same text,Positive\nsame text,negative\n");
        csv.append("\"").append("long ".repeat(300)).append("\",negative\n");
        JsonPath report = as(key).contentType("text/csv").body(csv.toString()).post("/v1/datasets").then()
                .statusCode(201).body("status", equalTo("ready")).extract().jsonPath();
        List<String> codes = report.getList("report.warnings.code");
        assertTrue(codes.containsAll(List.of("label_variants", "conflicting_labels", "duplicate_texts",
                "class_imbalance", "texts_truncated")), "warnings: " + codes);
        assertEquals(37, report.getInt("report.stats.rows"));
        assertEquals(1, report.getInt("report.stats.truncation[0].rows"));
        assertEquals(1, report.getInt("report.stats.duplicates.duplicateRows"));
    }

    @Test
    void rowsArePagedAndFilteredBySplit() {
        String key = Api.newTenant();
        String id = Api.uploadCsv(key, Api.sampleCsv(10));
        Set<Integer> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = as(key).queryParam("limit", 7);
            if (cursor != null) {
                request.queryParam("after", cursor);
            }
            JsonPath page = request.get("/v1/datasets/" + id + "/rows").then().statusCode(200).extract().jsonPath();
            List<Integer> indexes = page.getList("data.index");
            indexes.forEach(index -> assertTrue(seen.add(index), "row " + index + " shown twice"));
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertEquals(30, seen.size());
        assertEquals(5, pages);
        as(key).queryParam("split", "test").queryParam("limit", 100).get("/v1/datasets/" + id + "/rows").then()
                .statusCode(200).body("data.size()", equalTo(3)).body("data.split", everyItemIs("test"))
                .body("data[0].line", greaterThan(1)).body("data[0].tokens", greaterThan(2));
        as(key).queryParam("split", "holdout").get("/v1/datasets/" + id + "/rows").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/split"));
    }

    private static org.hamcrest.Matcher<Iterable<? extends String>> everyItemIs(String value) {
        return org.hamcrest.Matchers.everyItem(equalTo(value));
    }

    @Test
    void listIsPagedNewestFirst() {
        String key = Api.newTenant();
        String first = Api.uploadCsv(key, Api.sampleCsv(2));
        String second = Api.uploadCsv(key, Api.sampleCsv(3));
        String third = Api.uploadCsv(key, Api.sampleCsv(4));
        JsonPath page = as(key).queryParam("limit", 2).get("/v1/datasets").then().statusCode(200)
                .body("data.id", equalTo(List.of(third, second))).body("hasMore", equalTo(true)).extract().jsonPath();
        as(key).queryParam("limit", 2).queryParam("after", page.getString("nextCursor")).get("/v1/datasets").then()
                .statusCode(200).body("data.id", equalTo(List.of(first))).body("hasMore", equalTo(false));
    }

    @Test
    void deleteRemovesDatasetRowsAndUnsharedFile() {
        String key = Api.newTenant();
        String csv = Api.sampleCsv(5) + "one more sports text,sports\n";
        String id = Api.uploadCsv(key, csv);
        String sha256 = as(key).get("/v1/datasets/" + id).then().extract().path("sha256");
        String otherTenant = Api.newTenant();
        String sameContent = Api.uploadCsv(otherTenant, csv);

        as(key).delete("/v1/datasets/" + id).then().statusCode(204);
        as(key).get("/v1/datasets/" + id).then().statusCode(404);
        as(key).get("/v1/datasets/" + id + "/rows").then().statusCode(404);
        assertTrue(blobs.exists(sha256), "another dataset still has this content");

        as(otherTenant).delete("/v1/datasets/" + sameContent).then().statusCode(204);
        assertFalse(blobs.exists(sha256), "the last dataset with this content is gone, and so is its file");
        as(key).delete("/v1/datasets/" + id).then().statusCode(404);
    }

    @Test
    void chineseTextIsCountedWithTheChineseTokenizer() {
        String key = Api.newTenant();
        String csv = "text,label\n这家酒店的服务很好,1\n房间很干净，早餐也不错,1\n服务态度太差了,0\n再也不会住这里了,0\n";
        as(key).contentType("text/csv; charset=utf-8").body(csv).post("/v1/datasets").then().statusCode(201)
                .body("report.stats.tokens.tokenizer", equalTo("bge-small-zh-v1.5"))
                .body("report.stats.truncation.baseModel", hasItem("bge-small-zh-v1.5"));
    }

    @Test
    void uploadParametersAreValidated() {
        String key = Api.newTenant();
        as(key).contentType("text/csv").queryParam("textColumn", "x").queryParam("labelColumn", "x")
                .body(Api.sampleCsv(2)).post("/v1/datasets").then().statusCode(422)
                .contentType("application/problem+json").body("errors[0].pointer", equalTo("/labelColumn"));
        as(key).contentType("text/csv").queryParam("name", "n".repeat(201)).body(Api.sampleCsv(2))
                .post("/v1/datasets").then().statusCode(422).body("errors[0].pointer", equalTo("/name"));
        as(key).get("/v1/datasets/" + "ds_unknown" + "/report").then().statusCode(404)
                .body("detail", notNullValue());
    }

    @Test
    void anUploadWhoseFileCannotBeStoredLeavesNoDatasetBehind() throws Exception {
        String key = Api.newTenant();
        // The real store, made unable to take this one file: where its folder would go lies a plain file.
        String csv;
        java.nio.file.Path blocker;
        do {
            csv = Api.sampleCsv(5) + "\"An extra line " + java.util.UUID.randomUUID() + "\",sports\n";
            String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(csv.getBytes(StandardCharsets.UTF_8)));
            java.nio.file.Path prefix = config.blobs().dir().toAbsolutePath().resolve("sha256").resolve(sha256.substring(0, 2));
            java.nio.file.Files.createDirectories(prefix);
            blocker = prefix.resolve(sha256.substring(2, 4));
        } while (java.nio.file.Files.exists(blocker));
        java.nio.file.Files.writeString(blocker, "not a folder");
        try {
            as(key).contentType("text/csv").queryParam("name", "unstorable").body(csv).post("/v1/datasets").then()
                    .statusCode(500).contentType("application/problem+json").body("code", equalTo("internal_error"));
            assertEquals(List.of(), as(key).get("/v1/datasets").then().statusCode(200).extract().path("data.name"),
                    "no dataset is listed whose file is missing");
        } finally {
            java.nio.file.Files.delete(blocker);
        }
        // With the store working again, the same upload succeeds.
        as(key).contentType("text/csv").queryParam("name", "unstorable").body(csv).post("/v1/datasets").then()
                .statusCode(201);
    }
}
