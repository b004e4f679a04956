package dev.bonsai.dataset;

import static dev.bonsai.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken files: each is answered with problem+json (a rejected report naming the right line, or a
 * request error), never a 500; a rejected upload stores its report and nothing else.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadUploadCorpusTest {

    private static final String GOOD_ROWS = "a good text,pos\nanother good text,pos\na bad text,neg\nanother bad text,neg\n";

    @Inject
    io.agroal.api.AgroalDataSource dataSource;

    private String key;

    private String key() {
        if (key == null) {
            key = Api.newTenant();
        }
        return key;
    }

    /** A case: the body, its content type, the expected error code, and the line it must name (or null). */
    static Stream<Arguments> corpus() {
        return Stream.of(
                rejected("unterminated quote", "text/csv", "text,label\n\"never closed,pos\nmore,neg\n", "unterminated_quote", 2),
                rejected("invalid UTF-8 on line 3", "text/csv", bytes("text,label\ngood,pos\nbad ", new byte[] {(byte) 0xC3, 0x28}, ",neg\n"), "not_utf8", 3),
                rejected("Latin-1 file", "text/csv", bytes("text,label\n", "café".getBytes(StandardCharsets.ISO_8859_1), ",pos\n"), "not_utf8", 2),
                rejected("overlong UTF-8 encoding", "text/csv", bytes("text,label\nx", new byte[] {(byte) 0xC0, (byte) 0xAF}, ",pos\n"), "not_utf8", 2),
                rejected("NUL byte in text", "text/csv", "text,label\n" + GOOD_ROWS + "nul\0here,pos\n", "nul_character", 6),
                rejected("1 MB field", "text/csv", "text,label\n" + GOOD_ROWS + "\"" + "x".repeat(1 << 20) + "\",pos\n", "text_too_long", 6),
                rejected("1 MB JSONL line", "application/jsonl", "{\"text\":\"" + "y".repeat(1 << 20) + "\",\"label\":\"a\"}\n", "text_too_long", 1),
                rejected("header only", "text/csv", "text,label\n", "no_rows", null),
                rejected("empty file", "text/csv", "", "empty_file", 1),
                rejected("blank lines only", "text/csv", "\n\n\n", "empty_file", 1),
                rejected("missing text column", "text/csv", "sentence,label\nhello,pos\n", "missing_column", 1),
                rejected("missing label column", "text/tab-separated-values", "text\tcategory\nhello\tpos\n", "missing_column", 1),
                rejected("JSONL line that is not an object", "application/jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n[1,2]\n", "not_an_object", 2),
                rejected("JSONL string line", "application/jsonl", "\"just a string\"\n", "not_an_object", 1),
                rejected("malformed JSON", "application/jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\": \"b\", \n", "malformed_json", 2),
                rejected("text is a number", "application/jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":42,\"label\":\"y\"}\n", "wrong_type", 2),
                rejected("label is an object", "application/jsonl", "{\"text\":\"a\",\"label\":{\"v\":1}}\n", "wrong_type", 1),
                rejected("label missing in JSONL", "application/jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\"}\n", "missing_field", 2),
                rejected("empty text", "text/csv", "text,label\n" + GOOD_ROWS + "   ,pos\n", "empty_text", 6),
                rejected("empty label", "text/csv", "text,label\n" + GOOD_ROWS + "some text,\n", "empty_label", 6),
                rejected("wrong field count", "text/csv", "text,label\n" + GOOD_ROWS + "a,b,c\n", "wrong_field_count", 6),
                rejected("text after closing quote", "text/csv", "text,label\n" + GOOD_ROWS + "\"quoted\"tail,pos\n", "malformed_csv", 6),
                rejected("single class", "text/csv", "text,label\none,pos\ntwo,pos\nthree,pos\n", "too_few_classes", null),
                rejected("class with one example", "text/csv", "text,label\n" + GOOD_ROWS + "lonely,other\n", "class_too_small", null),
                rejected("invalid split value", "text/csv?splitColumn=split", "text,label,split\na,x,train\nb,y,holdout\n", "invalid_split", 3),
                rejected("missing split column", "text/csv?splitColumn=part", "text,label\na,x\nb,y\n", "missing_column", 1),
                rejected("line numbers count quoted newlines", "text/csv", "text,label\n\"line one\nline two\",pos\n" + GOOD_ROWS + "\"x\"y,pos\n", "malformed_csv", 8),
                rejected("mixed line endings keep line numbers", "text/csv", "text,label\r\na,pos\rb,neg\nc,pos\r\n,neg\n", "empty_text", 5),
                rejected("invalid UTF-8 in JSONL", "application/jsonl", bytes("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"", new byte[] {(byte) 0xFF}, "\",\"label\":\"y\"}\n"), "not_utf8", 2));
    }

    private static Arguments rejected(String name, String contentType, Object body, String code, Integer line) {
        return Arguments.of(name, contentType, body instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : body, code, line);
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            byte[] bytes = part instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) part;
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejectedWithTheRightCodeAndLine(String name, String contentType, byte[] body, String code, Integer line) {
        String[] typeAndQuery = contentType.split("\\?", 2);
        var request = as(key()).contentType(typeAndQuery[0] + "; charset=utf-8").body(body);
        if (typeAndQuery.length > 1) {
            String[] parameter = typeAndQuery[1].split("=", 2);
            request.queryParam(parameter[0], parameter[1]);
        }
        ExtractableResponse<Response> response = request.post("/v1/datasets").then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("dataset_rejected"))
                .body("dataset.status", equalTo("rejected"))
                .body("dataset.report.errors.code", hasItem(code))
                .body("errors.pointer", hasItem("/file"))
                .extract();
        JsonPath json = response.jsonPath();
        List<Map<String, Object>> errors = json.getList("dataset.report.errors");
        Map<String, Object> finding = errors.stream().filter(error -> code.equals(error.get("code"))).findFirst().orElseThrow();
        assertEquals(line, finding.get("line"), name + ": the finding names the line");
        String datasetId = json.getString("dataset.id");

        // Its report is kept and readable; nothing else is stored.
        as(key()).get("/v1/datasets/" + datasetId + "/report").then().statusCode(200)
                .body("status", equalTo("rejected")).body("errors.code", hasItem(code));
        as(key()).get("/v1/datasets/" + datasetId + "/rows").then().statusCode(200).body("data.size()", equalTo(0));
        assertEquals(0L, storedRows(datasetId));
        String sha256 = json.getString("dataset.sha256");
        assertNotNull(sha256);
        assertTrue(!blobExists(sha256) || hasReadyDatasetWith(sha256), "no file is stored for a rejected upload");
    }

    @ParameterizedTest(name = "request error: {0}")
    @MethodSource("requestErrors")
    void requestErrorsAreProblems(String name, String contentType, String body, int status) {
        as(key()).contentType(contentType).body(body.getBytes(StandardCharsets.UTF_8)).post("/v1/datasets").then()
                .statusCode(status).contentType("application/problem+json").body("status", equalTo(status))
                .body("detail", not(equalTo(null)));
    }

    static Stream<Arguments> requestErrors() {
        return Stream.of(
                Arguments.of("unknown media type", "application/pdf", "%PDF", 415),
                Arguments.of("JSON instead of JSONL", "application/json", "{\"text\":\"a\"}", 415));
    }

    private long storedRows(String datasetId) {
        try (var connection = dataSource.getConnection();
                var query = connection.prepareStatement("select count(*) from dataset_rows where dataset_id = ?")) {
            query.setString(1, datasetId);
            try (var result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Inject
    dev.bonsai.blob.BlobStore blobs;

    private boolean blobExists(String sha256) {
        return blobs.exists(sha256);
    }

    private boolean hasReadyDatasetWith(String sha256) {
        return QuarkusTransaction.requiringNew()
                .call(() -> DatasetEntity.count("sha256 = ?1 and status = 'ready'", sha256) > 0);
    }
}
