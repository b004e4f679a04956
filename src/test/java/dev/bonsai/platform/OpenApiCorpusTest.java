package dev.bonsai.platform;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.quarkus.test.common.http.TestHTTPResource;
import java.io.IOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bad-input corpus generated from {@code openapi.yaml}, so that it grows with the API: every
 * operation is called without a key, with hostile path ids and query values of each declared type,
 * with a body of the wrong media type, and with each field of its JSON body set to values of the
 * wrong type, NUL characters and oversized strings. Every answer must be a 4xx problem+json (never
 * a 5xx, never an empty body), and a value of the wrong JSON type must never be accepted.
 */
@QuarkusTest
class OpenApiCorpusTest {

    @TestHTTPResource("/")
    URL root;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HOSTILE_IDS = List.of("%00", "%zz", "%", "%C0%AF", "%FF%FE", "x".repeat(300), "ds_'%20or%201=1--",
            "%E2%80%AE%E2%80%AD", "..%2F..%2Fetc%2Fpasswd", "%F0%9F%92%A9", "ten_%0d%0aSet-Cookie:%20a=b");
    private static final Map<String, List<String>> HOSTILE_QUERY = Map.of(
            "integer", List.of("abc", "-1", "99999999999999999999", "1.5", "%00", ""),
            "number", List.of("abc", "1e999", "NaN", "%00"),
            "string", List.of("%00", "x".repeat(5000), "%E2%80%AE", "'%20or%201=1--"),
            "boolean", List.of("maybe", "%00"));

    /** Keys no tenant holds: empty, oversized, not ASCII, a path, SQL, a key with its last character changed. */
    private static final List<String> FORGED_KEYS = List.of("", "x".repeat(4_000), "bk_\u00e9\u00e9", "../../etc/passwd",
            "' or '1'='1", Api.ADMIN_KEY.substring(0, Api.ADMIN_KEY.length() - 1) + "_");

    /** Whole bodies that are not a JSON object of the operation's shape. */
    private static final List<String> HOSTILE_BODIES = List.of("", "null", "[]", "\"x\"", "7", "{", "{\"a\":",
            "{\"name\": \"a\", \"name\": \"b\"}", "[".repeat(20_000) + "]".repeat(20_000),
            "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000), "{\"\\u0000\": 1}", "{'a': 1}", "{\"a\": NaN}",
            "{\"a\": 1} trailing", "\uFEFF{}");

    /** Multipart bodies, by Content-Type: unclosed, a boundary that does not match, none, two files. */
    private static final Map<String, String> HOSTILE_MULTIPART = Map.of(
            "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\""
                    + "\r\nContent-Type: text/csv\r\n\r\ntext,label\r\nfine,a\r\n",
            "multipart/form-data; boundary=other", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data; boundary=c", "--c\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
                    + "text,label\r\nfine day,a\r\n--c\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.csv\""
                    + "\r\n\r\ntext,label\r\ngood day,b\r\n--c--\r\n",
            "multipart/form-data; boundary=d", "--d\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nonly a name\r\n--d--\r\n");

    /** One generated request and what it got, for the failure message. */
    private record Case(String description, int status, String contentType, String body) {
    }

    @Test
    void everyOperationAnswersHostileInputWithA4xxProblem() throws Exception {
        JsonNode spec = new YAMLMapper().readTree(Path.of("openapi.yaml").toFile());
        String tenantKey = Api.newTenant();
        List<Case> failures = new ArrayList<>();
        int cases = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = spec.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> operations = path.getValue().fields(); operations.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = operations.next();
                String method = entry.getKey();
                JsonNode operation = entry.getValue();
                boolean admin = path.getKey().startsWith("/v1/tenants");
                String key = admin ? Api.ADMIN_KEY : tenantKey;
                String template = path.getKey();
                String wellFormed = template.replaceAll("\\{[^}]+}", "nope_0000000000000000000");

                if (operation.has("security")) {
                    cases++;
                    check(failures, method + " " + wellFormed + " without a key", send(given(), method, wellFormed),
                            401);
                    for (String forged : FORGED_KEYS) {
                        cases++;
                        check(failures, method + " " + wellFormed + " with the key " + abbreviate(forged),
                                raw(method, wellFormed, forged, "application/json", "{}"), 401);
                    }
                }
                for (String id : HOSTILE_IDS) {
                    if (template.contains("{")) {
                        cases++;
                        String url = template.replaceAll("\\{[^}]+}", id);
                        check(failures, method + " " + url, raw(method, url, key, "application/json",
                                method.equals("get") || method.equals("delete") ? "" : "{}"), 0);
                    }
                }
                for (JsonNode parameter : operation.path("parameters")) {
                    if (!parameter.path("in").asText().equals("query")) {
                        continue;
                    }
                    String type = parameter.path("schema").path("type").asText("string");
                    for (String value : HOSTILE_QUERY.getOrDefault(type, HOSTILE_QUERY.get("string"))) {
                        cases++;
                        String url = wellFormed + "?" + parameter.path("name").asText() + "=" + value;
                        check(failures, method + " " + url, send(authorized(key).urlEncodingEnabled(false), method, url),
                                0);
                    }
                }
                JsonNode content = operation.path("requestBody").path("content");
                if (content.has("multipart/form-data")) {
                    for (Map.Entry<String, String> multipart : HOSTILE_MULTIPART.entrySet()) {
                        cases++;
                        check(failures, method + " " + wellFormed + " multipart " + abbreviate(multipart.getValue()),
                                raw(method, wellFormed, key, multipart.getKey(), multipart.getValue()), 0);
                    }
                }
                if (content.has("application/json")) {
                    cases++;
                    check(failures, method + " " + wellFormed + " with a text/plain body", send(authorized(key)
                            .contentType("text/plain").body("{}"), method, wellFormed), 0);
                    for (String whole : HOSTILE_BODIES) {
                        cases++;
                        // On a socket of its own: RestAssured would pretty-print a 20,000-deep body for its log.
                        check(failures, method + " " + wellFormed + " " + abbreviate(whole),
                                raw(method, wellFormed, key, "application/json", whole), 0);
                    }
                    JsonNode schema = resolve(spec, content.path("application/json").path("schema"));
                    for (Iterator<Map.Entry<String, JsonNode>> fields = schema.path("properties").fields(); fields.hasNext(); ) {
                        Map.Entry<String, JsonNode> field = fields.next();
                        JsonNode fieldSchema = resolve(spec, field.getValue());
                        for (Map.Entry<Object, Boolean> value : hostileValues(fieldSchema).entrySet()) {
                            cases++;
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put(field.getKey(), value.getKey());
                            String json = JSON.writeValueAsString(body);
                            String description = method + " " + wellFormed + " " + abbreviate(json);
                            Response response = send(authorized(key).contentType("application/json").body(json), method,
                                    wellFormed);
                            check(failures, description, response, 0);
                            if (value.getValue() && response.statusCode() < 400) {
                                failures.add(new Case(description + ": a value of the wrong type was accepted",
                                        response.statusCode(), response.contentType(), abbreviate(response.asString())));
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + cases + " cases failed");
        assertTrue(cases > 600, "the corpus covers the API: " + cases + " cases");
    }

    /**
     * Values for a field of {@code schema}'s type, each marked true when it is of the wrong JSON type
     * (and so must be refused).
     */
    private static Map<Object, Boolean> hostileValues(JsonNode schema) {
        Map<Object, Boolean> values = new LinkedHashMap<>();
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "");
        switch (type) {
            case "string" -> {
                values.put(1, true);
                values.put(true, true);
                values.put(List.of("a"), true);
                values.put(Map.of("a", 1), true);
                values.put("a\u0000b", false);
                values.put("x".repeat(100_000), false);
                values.put("\uD800", false);
            }
            case "integer", "number" -> {
                values.put("1", true);
                values.put(true, true);
                values.put(List.of(1), true);
                values.put(Map.of(), true);
                values.put(1e308, false);
                values.put(-1e308, false);
                values.put(new java.math.BigInteger("9".repeat(40)), false);
            }
            case "boolean" -> {
                values.put("true", true);
                values.put(1, true);
                values.put(List.of(), true);
            }
            case "array" -> {
                values.put(Map.of(), true);
                values.put(List.of(Map.of("a", List.of())), false);
                values.put(java.util.Collections.nCopies(10_000, "x"), false);
                values.put(java.util.Arrays.asList((Object) null), false);
            }
            case "object" -> {
                values.put(List.of(), true);
                values.put(7, true);
                values.put(Map.of("\u0000", "\u0000"), false);
            }
            default -> {
                values.put(Map.of("deep", Map.of("deeper", List.of(Map.of()))), false);
                values.put("a\u0000b", false);
            }
        }
        return values;
    }

    private static JsonNode resolve(JsonNode spec, JsonNode schema) {
        String ref = schema.path("$ref").asText("");
        if (ref.startsWith("#/components/schemas/")) {
            return spec.path("components").path("schemas").path(ref.substring("#/components/schemas/".length()));
        }
        return schema;
    }

    private static RequestSpecification authorized(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static Response send(RequestSpecification request, String method, String url) {
        return request.redirects().follow(false).request(method.toUpperCase(), url);
    }

    /**
     * Sends {@code target} as it is, byte for byte, on a socket of its own: no client library refuses
     * or repairs a malformed escape before the server sees it.
     */
    private Raw raw(String method, String target, String key, String contentType, String body) throws IOException {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(30_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = method.toUpperCase(Locale.ROOT) + " " + target + " HTTP/1.1\r\nHost: " + root.getHost()
                    + "\r\nAuthorization: Bearer " + key + "\r\nConnection: close\r\n"
                    + (bytes.length == 0 ? "" : "Content-Type: " + contentType + "\r\nContent-Length: " + bytes.length
                    + "\r\n") + "\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(bytes);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = answer.indexOf("\r\n\r\n");
            String[] lines = (headEnd < 0 ? answer : answer.substring(0, headEnd)).split("\r\n");
            int status = lines[0].split(" ").length > 1 ? Integer.parseInt(lines[0].split(" ")[1]) : 0;
            String answered = "";
            for (String line : lines) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                    answered = line.substring("content-type:".length()).strip();
                }
            }
            return new Raw(status, answered, headEnd < 0 ? "" : answer.substring(headEnd + 4));
        }
    }

    /** An answer read from a socket. */
    private record Raw(int status, String contentType, String body) {
    }

    private static void check(List<Case> failures, String description, Raw response, int expected) {
        boolean ok = (expected == 0 ? response.status() >= 400 && response.status() < 500 || response.status() < 300
                && response.status() > 0 : response.status() == expected) && (response.status() < 400
                || response.contentType().startsWith("application/problem+json") && !response.body().isBlank());
        if (!ok) {
            failures.add(new Case(description, response.status(), response.contentType(), abbreviate(response.body())));
        }
    }

    /** Anything but a 4xx problem+json fails; {@code expected} (when not 0) is the exact status. */
    private static void check(List<Case> failures, String description, Response response, int expected) {
        int status = response.statusCode();
        String contentType = response.contentType() == null ? "" : response.contentType();
        boolean ok = (expected == 0 ? status >= 400 && status < 500 || status < 300 : status == expected)
                && (status < 400 || contentType.startsWith("application/problem+json") && !response.asString().isBlank());
        if (!ok) {
            failures.add(new Case(description, status, contentType, abbreviate(response.asString())));
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 160 ? text.substring(0, 160) + "…" : text;
    }
}
