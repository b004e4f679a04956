package dev.bonsai.platform;

import static dev.bonsai.platform.ProblemApiTest.isProblem;
import static dev.bonsai.support.Api.as;
import static dev.bonsai.support.Api.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Input an attacker or a broken client sends: each class that once answered 500 or an empty body
 * now gets a 4xx problem+json that says what is wrong, and nothing is stored.
 */
@QuarkusTest
class HostileInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The status line, and the body as JSON, of a request written byte for byte to the socket. */
    record RawAnswer(int status, String contentType, JsonNode body) {
    }

    static RawAnswer raw(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int read;
            try {
                while ((read = in.read(buffer)) > 0) {
                    answer.write(buffer, 0, read);
                    String sofar = answer.toString(StandardCharsets.UTF_8);
                    int headerEnd = sofar.indexOf("\r\n\r\n");
                    if (headerEnd > 0) {
                        String headers = sofar.substring(0, headerEnd).toLowerCase();
                        int at = headers.indexOf("content-length:");
                        if (at >= 0) {
                            int length = Integer.parseInt(headers.substring(at + 15, headers.indexOf('\r', at) < 0
                                    ? headers.length() : headers.indexOf('\r', at)).strip());
                            if (answer.size() - headerEnd - 4 >= length) {
                                break;
                            }
                        }
                    }
                }
            } catch (java.net.SocketException e) {
                // the server closed the connection after answering
            }
            String text = answer.toString(StandardCharsets.UTF_8);
            int headerEnd = text.indexOf("\r\n\r\n");
            String headers = text.substring(0, headerEnd);
            int status = Integer.parseInt(headers.substring(9, 12));
            String contentType = headers.lines().filter(line -> line.toLowerCase().startsWith("content-type:"))
                    .map(line -> line.substring(13).strip()).findFirst().orElse("");
            String payload = text.substring(headerEnd + 4);
            return new RawAnswer(status, contentType, payload.isBlank() ? null : JSON.readTree(payload));
        }
    }

    private static void assertProblem(RawAnswer answer, int status, String code) {
        assertEquals(status, answer.status(), String.valueOf(answer.body()));
        assertEquals("application/problem+json", answer.contentType());
        assertEquals(code, answer.body().get("code").asText());
        assertEquals(status, answer.body().get("status").asInt());
        assertTrue(answer.body().get("detail").asText().length() > 10);
    }

    private static String get(String target, String key, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key + "\r\n"
                + String.join("", List.of(headers)) + "Connection: close\r\n\r\n";
    }

    @Test
    void nulCharactersAreRefusedWhereverTheyAre() throws Exception {
        String key = Api.newTenant();
        assertProblem(raw(get("/v1/datasets/ds_%00", key), new byte[0]), 404, "not_found");
        assertProblem(raw(get("/v1/datasets?after=a%00b", key), new byte[0]), 400, "invalid_request");
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": \"a\\u0000b\"}").post("/v1/tenants").then(),
                422, "validation_failed").body("errors.pointer", hasItem("/name"));
        String dataset = Api.uploadCsv(key, Api.sampleCsv(10));
        isProblem(as(key).contentType(ContentType.JSON).body("{\"baseModel\": \"all-minilm-l6-v2\", \"dataset\": \"" + dataset
                + "\", \"method\": \"head\", \"metadata\": {\"team\": \"a\\u0000\"}}").post("/v1/fine-tuning/jobs").then(),
                422, "validation_failed").body("errors.pointer", hasItem("/metadata/team"));
        as(key).get("/v1/fine-tuning/jobs").then().statusCode(200).body("data.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void aFieldGivenTwiceIsRefused() {
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": \"a\", \"name\": \"b\"}").post("/v1/tenants").then(),
                400, "malformed_json").body("detail", containsString("name"));
    }

    @Test
    void valuesOfTheWrongTypeAreRefusedNotConverted() throws Exception {
        String key = Api.newTenant();
        String model = Api.headModel(key, 10, Map.of());
        String path = "/v1/models/" + model + "/predictions";
        for (String body : List.of("{\"inputs\": [\"a\"], \"topK\": \"1\"}", "{\"inputs\": [\"a\"], \"topK\": 1.5}",
                "{\"inputs\": [\"a\"], \"returnEmbedding\": \"true\"}", "{\"inputs\": [\"a\"], \"returnEmbedding\": 1}")) {
            isProblem(as(key).contentType(ContentType.JSON).body(body).post(path).then(), 422, "validation_failed")
                    .body("errors.pointer.size()", org.hamcrest.Matchers.equalTo(1));
        }
        isProblem(as(key).contentType(ContentType.JSON).body("{\"inputs\": [1, 2]}").post(path).then(), 422,
                "validation_failed").body("errors.pointer", hasItem("/inputs/0"));
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": 1}").post("/v1/tenants").then(), 422,
                "validation_failed").body("errors.pointer", hasItem("/name"));
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": true}").post("/v1/tenants").then(), 422,
                "validation_failed").body("errors.pointer", hasItem("/name"));
    }

    @Test
    void anEmptyRecipeIsRefusedBeforeAJobIsMade() throws Exception {
        String key = Api.newTenant();
        String model = Api.headModel(key, 10, Map.of());
        for (String recipe : List.of("+", "int8-dynamic+", "")) {
            isProblem(as(key).contentType(ContentType.JSON).body(Map.of("model", model, "device", "raspberry-pi-4",
                    "techniques", List.of(recipe))).post("/v1/compression/jobs").then(), 422, "validation_failed")
                    .body("errors.pointer", hasItem("/techniques/0"));
        }
        as(key).get("/v1/compression/jobs").then().statusCode(200).body("data.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void whatTheHttpLayerRefusesIsAProblemToo() throws Exception {
        String key = Api.newTenant();
        // Quarkus would refuse these with an empty 400 before any route ran; Bonsai checks them itself.
        assertProblem(raw(get("/v1/datasets/%zz", key), new byte[0]), 400, "invalid_request");
        assertProblem(raw(get("/v1/datasets?after=100%", key), new byte[0]), 400, "invalid_request");
        assertProblem(raw(get("/v1/datasets?name=" + "x".repeat(9000), key), new byte[0]), 414, "uri_too_long");
        assertProblem(raw(get("/v1/datasets", key, "X-Padding: " + "y".repeat(17_000) + "\r\n"), new byte[0]), 431,
                "headers_too_large");
    }

    @Test
    void aBodyThatNeverArrivesIsAnsweredWith408AndItsConnectionClosed() throws Exception {
        String key = Api.newTenant();
        // 20,000 bytes claimed, 10 sent: the grace (2 s in tests) plus 20,000 bytes at 16 KiB/s.
        long start = System.nanoTime();
        RawAnswer answer = raw("POST /v1/datasets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: text/csv\r\nContent-Length: 20000\r\n\r\n", "text,label\n".getBytes(
                StandardCharsets.UTF_8));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertProblem(answer, 408, "request_timeout");
        assertTrue(millis >= 2_000 && millis < 10_000, "answered after " + millis + " ms");
        // The same for a multipart upload whose file part stops coming.
        start = System.nanoTime();
        answer = raw("POST /v1/datasets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 20000\r\n\r\n",
                "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ntext,label\n"
                        .getBytes(StandardCharsets.UTF_8));
        millis = (System.nanoTime() - start) / 1_000_000;
        assertProblem(answer, 408, "request_timeout");
        assertTrue(millis >= 2_000 && millis < 10_000, "answered after " + millis + " ms");
        as(key).get("/v1/datasets").then().statusCode(200).body("data.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void aBodyMustSayWhatItIsAndBeUtf8() throws Exception {
        String key = Api.newTenant();
        byte[] json = "{\"name\": \"no type\"}".getBytes(StandardCharsets.UTF_8);
        assertProblem(raw("POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                + "\r\nContent-Length: " + json.length + "\r\nConnection: close\r\n\r\n", json), 415, "unsupported_media_type");
        for (String charset : List.of("utf-16", "UTF-32LE", "no-such-charset")) {
            assertProblem(raw("POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json; charset=" + charset + "\r\nContent-Length: " + json.length
                    + "\r\nConnection: close\r\n\r\n", json), 415, "unsupported_media_type");
        }
        as(key).get("/v1/api-keys").then().statusCode(200).body("data.size()", org.hamcrest.Matchers.equalTo(1));
        as(key).contentType("application/json; charset=UTF-8").body(json).post("/v1/api-keys").then().statusCode(201);
    }

    @Test
    void outlandishValuesAreRefused() throws Exception {
        String key = Api.newTenant();
        String dataset = Api.uploadCsv(key, Api.sampleCsv(4));
        isProblem(as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "head", "metadata", Map.of("team", "x".repeat(100_000)))).post("/v1/fine-tuning/jobs").then(),
                422, "validation_failed").body("errors.pointer", hasItem("/metadata/team"));
        String model = Api.headModel(key, 10, Map.of());
        isProblem(as(key).contentType(ContentType.JSON).body("{\"model\": \"" + model + "\", \"device\": \"raspberry-pi-4\","
                + " \"maxLatencyMillis\": 1e308}").post("/v1/compression/jobs").then(), 422, "validation_failed")
                .body("errors.pointer", hasItem("/maxLatencyMillis"));
    }

    @Test
    void brokenMultipartBodiesAreRefused() throws Exception {
        String key = Api.newTenant();
        byte[] unclosed = ("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\ntext,label\nfine,yes\nbad,no\n").getBytes(StandardCharsets.UTF_8);
        byte[] mismatched = ("--other\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
                + "text,label\nfine,yes\n\r\n--other--\r\n").getBytes(StandardCharsets.UTF_8);
        for (byte[] body : List.of(unclosed, mismatched)) {
            RawAnswer answer = raw("POST /v1/datasets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key + "\r\n"
                    + "Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n", body);
            assertTrue(answer.status() >= 400 && answer.status() < 500, answer.status() + " " + answer.body());
            assertEquals("application/problem+json", answer.contentType());
        }
        as(key).get("/v1/datasets").then().statusCode(200).body("data.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void twoFilesInOneUploadAreRefused() {
        String key = Api.newTenant();
        isProblem(as(key).multiPart("file", "a.csv", Api.sampleCsv(3).getBytes(StandardCharsets.UTF_8), "text/csv")
                .multiPart("file", "b.csv", "text,label\nother,x\nmore,y\n".getBytes(StandardCharsets.UTF_8), "text/csv")
                .post("/v1/datasets").then(), 422, "validation_failed").body("errors.pointer", hasItem("/file"));
        as(key).get("/v1/datasets").then().statusCode(200).body("data.size()", org.hamcrest.Matchers.equalTo(0));
        as(key).multiPart("file", "a.csv", Api.sampleCsv(3).getBytes(StandardCharsets.UTF_8), "text/csv")
                .post("/v1/datasets").then().statusCode(201);
    }
}
