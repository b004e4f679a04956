package dev.bonsai.model;

import static dev.bonsai.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.support.Api;
import dev.bonsai.support.NodeChecks;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * Bundles as a consumer runs them, with tools nobody on the project wrote: transformers.js's
 * AutoTokenizer gives the server's ids exactly, onnxruntime-node and onnxruntime-web (WebAssembly)
 * stay within the tolerance each bundle states for other runtimes, and the JavaScript and Java
 * programs of MODEL_CARD.md run as written and print the server's answers.
 */
@QuarkusTest
class BundleRuntimesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ANSWER = Pattern.compile("(?m)^(\\S+) (\\S+) (.*)$");

    @Test
    void bundlesRunInOtherRuntimesWithinTheToleranceTheyState() throws Exception {
        Path home = NodeChecks.home();
        String key = Api.newTenant();
        String modelId = Api.headModel(key, 12, Map.of("maxSequenceLength", 24, "seed", 3));
        String jobId = as(key).contentType(ContentType.JSON).body(Map.of("model", modelId, "device", "x86-server",
                "techniques", List.of("int8-dynamic", "int8-static", "fp16"), "maxAccuracyDrop", 1.0))
                .post("/v1/compression/jobs").then().statusCode(201).extract().<String>path("id");
        JsonPath job = Api.awaitJob(key, "/v1/compression/jobs/" + jobId);
        assertEquals("succeeded", job.getString("status"), job.prettify());
        List<Map<String, Object>> variants = job.getList("result.variants");
        assertEquals(List.of("original", "int8-dynamic", "int8-static", "fp16"),
                variants.stream().map(variant -> variant.get("recipe")).toList());

        Path folder = Files.createTempDirectory(home, "bundles");
        for (Map<String, Object> variant : variants) {
            String recipe = (String) variant.get("recipe");
            Path bundle = unzip(as(key).get("/v1/models/" + modelId + "/variants/" + variant.get("variantId")
                    + "/content?format=bundle").then().statusCode(200).extract().asByteArray(), folder.resolve(recipe));
            JsonNode description = JSON.readTree(bundle.resolve("bonsai.json").toFile());
            assertEquals("bonsai-bundle/2", description.path("format").asText());
            JsonNode tolerances = description.path("parity").path("tolerances");
            assertEquals(1e-5, tolerances.path(0).path("maxDifference").asDouble(), recipe);
            double otherRuntimes = tolerances.path(1).path("maxDifference").asDouble();
            assertEquals(recipe.contains("int8") ? 0.1 : 1e-5, otherRuntimes, recipe);

            JsonNode check = JSON.readTree(NodeChecks.node("bundle-check.mjs", bundle.toString()));
            assertEquals(List.of(), JSON.convertValue(check.path("checksumFailures"), List.class), recipe);
            assertEquals(List.of(), JSON.convertValue(check.path("tokenMismatches"), List.class),
                    recipe + ": transformers.js must give the server's ids, truncation included");
            JsonNode rows = JSON.readTree("[" + Files.readString(bundle.resolve("parity.jsonl")).trim()
                    .replace("\n", ",") + "]");
            assertEquals(rows.size(), check.path("rows").asInt());
            JsonNode longest = rows.get(rows.size() - 1);
            assertEquals(24, longest.path("inputIds").size(), "the last parity row is cut to maxSequenceLength");
            assertEquals(102, longest.path("inputIds").path(23).asInt(), "and keeps its closing [SEP]");
            assertEquals(2, check.path("runtimes").size());
            for (JsonNode runtime : check.path("runtimes")) {
                double difference = runtime.path("maxDifference").asDouble();
                assertTrue(difference <= otherRuntimes, recipe + " on " + runtime.path("runtime").asText() + ": "
                        + difference + " > " + otherRuntimes);
            }
            Map<String, JsonNode> byText = new HashMap<>();
            rows.forEach(row -> byText.put(row.path("text").asText(), row));
            String card = Files.readString(bundle.resolve("MODEL_CARD.md"));
            assertCardAnswers(runJavaScript(card, bundle, folder.resolve(recipe + "-js")), byText, otherRuntimes, recipe);
            if (recipe.equals("int8-dynamic")) {
                assertCardAnswers(runJava(card, bundle, folder.resolve(recipe + "-java")), byText, 1e-5, recipe);
            }
        }
    }

    /**
     * An embedding model's bundle: no labels, parity rows with vectors that both JavaScript runtimes
     * reproduce within the float tolerance, and card programs (JavaScript and Java, as written) that
     * print the server's vectors.
     */
    @Test
    void anEmbeddingModelsBundleRunsInOtherRuntimesAndItsCardPrintsTheServersVectors() throws Exception {
        Path home = NodeChecks.home();
        String key = Api.newTenant();
        String dataset = as(key).contentType("text/csv").queryParam("task", "embedding").body(dev.bonsai.engine.SmallPairs.csv())
                .post("/v1/datasets").then().statusCode(201).extract().path("id");
        String jobId = as(key).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset", dataset,
                "method", "partial", "hyperparameters", Map.of("epochs", 1, "batchSize", 8, "maxSequenceLength", 24)))
                .post("/v1/fine-tuning/jobs").then().statusCode(201).extract().path("id");
        JsonPath job = Api.awaitJob(key, "/v1/fine-tuning/jobs/" + jobId);
        assertEquals("succeeded", job.getString("status"), job.prettify());
        String modelId = job.getString("modelId");
        String variantId = as(key).get("/v1/models/" + modelId).then().statusCode(200).extract().path("variants[0].id");
        Path folder = Files.createTempDirectory(home, "embedding-bundle");
        Path bundle = unzip(as(key).get("/v1/models/" + modelId + "/variants/" + variantId + "/content?format=bundle")
                .then().statusCode(200).extract().asByteArray(), folder.resolve("bundle"));
        assertFalse(Files.exists(bundle.resolve("labels.json")), "an embedding model has no labels");
        JsonNode description = JSON.readTree(bundle.resolve("bonsai.json").toFile());
        assertEquals("embedding", description.path("task").asText());
        assertEquals(1, description.path("outputs").size());
        assertEquals("embedding", description.path("outputs").path(0).path("name").asText());
        double otherRuntimes = description.path("parity").path("tolerances").path(1).path("maxDifference").asDouble();
        assertEquals(1e-5, otherRuntimes);

        JsonNode check = JSON.readTree(NodeChecks.node("bundle-check.mjs", bundle.toString()));
        assertEquals(List.of(), JSON.convertValue(check.path("checksumFailures"), List.class));
        assertEquals(List.of(), JSON.convertValue(check.path("tokenMismatches"), List.class));
        JsonNode rows = JSON.readTree("[" + Files.readString(bundle.resolve("parity.jsonl")).trim().replace("\n", ",") + "]");
        assertEquals(384, rows.get(0).path("embedding").size());
        assertTrue(rows.get(0).path("probabilities").isMissingNode());
        assertEquals(24, rows.get(rows.size() - 1).path("inputIds").size());
        for (JsonNode runtime : check.path("runtimes")) {
            assertTrue(runtime.path("maxDifference").asDouble() <= otherRuntimes, runtime.toString());
        }
        // The server's own vectors for the parity texts are the rows' (the API and the bundle agree).
        JsonPath served = as(key).contentType(ContentType.JSON).body(Map.of("input", List.of(rows.get(0).path("text").asText())))
                .post("/v1/models/" + modelId + "/embeddings").then().statusCode(200).extract().jsonPath();
        assertEquals(rows.get(0).path("embedding").path(0).asDouble(), served.getDouble("data[0].embedding[0]"), 1e-6);

        Map<String, JsonNode> byText = new HashMap<>();
        rows.forEach(row -> byText.put(row.path("text").asText(), row));
        String card = Files.readString(bundle.resolve("MODEL_CARD.md"));
        assertTrue(card.contains("MRR@10"), card);
        assertCardVectors(runJavaScript(card, bundle, folder.resolve("js")), byText);
        assertCardVectors(runJava(card, bundle, folder.resolve("java"), "Embed.java"), byText);
    }

    /** The card's program prints "first second text" for each of its three texts first: the server's vector's first two values. */
    private static void assertCardVectors(String output, Map<String, JsonNode> byText) {
        List<String> lines = output.lines().toList();
        assertTrue(lines.size() >= 6, output);
        for (String line : lines.subList(0, 3)) {
            Matcher answer = ANSWER.matcher(line);
            assertTrue(answer.matches(), line);
            JsonNode row = byText.get(answer.group(3));
            assertTrue(row != null, "the card printed a text that is not in parity.jsonl: " + output);
            assertEquals(row.path("embedding").path(0).asDouble(), Double.parseDouble(answer.group(1)), 1e-5, line);
            assertEquals(row.path("embedding").path(1).asDouble(), Double.parseDouble(answer.group(2)), 1e-5, line);
        }
        // Then the texts ranked for the first: itself first, at cosine similarity 1.
        assertTrue(lines.get(3).startsWith("1.0000 "), output);
    }

    @Test
    void aBundleOfAnOlderLayoutIsBuiltAgain() throws Exception {
        String key = Api.newTenant();
        String modelId = Api.headModel(key, 6, Map.of("maxSequenceLength", 16));
        String variantId = as(key).get("/v1/models/" + modelId + "/variants").then().statusCode(200).extract()
                .path("data[0].id");
        String path = "/v1/models/" + modelId + "/variants/" + variantId + "/content?format=bundle";
        String etag = as(key).get(path).then().statusCode(200).extract().header("ETag");
        // As a bundle built by the previous release is recorded: a blob, and no layout.
        QuarkusTransaction.requiringNew().run(() -> ModelVariantEntity.update(
                "bundleSha256 = ?1, bundleFormat = null where id = ?2", "0".repeat(64), variantId));
        assertEquals(etag, as(key).get(path).then().statusCode(200).extract().header("ETag"));
        assertEquals(Bundles.FORMAT, QuarkusTransaction.requiringNew().call(
                () -> ModelVariantEntity.<ModelVariantEntity>findById(variantId).bundleFormat));
    }

    /** Each line the card's program prints is "label probability text"; each text's answer is the server's. */
    private static void assertCardAnswers(String output, Map<String, JsonNode> byText, double tolerance, String recipe) {
        Matcher answers = ANSWER.matcher(output);
        int seen = 0;
        while (answers.find()) {
            JsonNode row = byText.get(answers.group(3));
            assertTrue(row != null, recipe + ": the card's program printed a text that is not in parity.jsonl: " + output);
            double best = 0;
            for (JsonNode p : row.path("probabilities")) {
                best = Math.max(best, p.asDouble());
            }
            assertEquals(best, Double.parseDouble(answers.group(2)), tolerance, recipe + ": " + answers.group());
            if (tolerance <= 1e-5) {
                assertEquals(row.path("label").asText(), answers.group(1), recipe + ": " + answers.group());
            }
            seen++;
        }
        assertEquals(3, seen, recipe + ": " + output);
    }

    /** The card's JavaScript, as written, run by Node in a folder holding the unzipped bundle as ./bundle. */
    private static String runJavaScript(String card, Path bundle, Path folder) throws Exception {
        Files.createDirectories(folder);
        Files.createSymbolicLink(folder.resolve("bundle"), bundle);
        Files.createSymbolicLink(folder.resolve("node_modules"), NodeChecks.home().resolve("node_modules"));
        Files.writeString(folder.resolve("card.mjs"), block(card, "js"));
        return NodeChecks.run(folder, List.of("node", "card.mjs"), 300);
    }

    /** The card's Java, as written, run by the JDK's source launcher with ONNX Runtime and DJL's tokenizers. */
    private static String runJava(String card, Path bundle, Path folder) throws Exception {
        return runJava(card, bundle, folder, "Classify.java");
    }

    private static String runJava(String card, Path bundle, Path folder, String file) throws Exception {
        Files.createDirectories(folder);
        Files.createSymbolicLink(folder.resolve("bundle"), bundle);
        Files.writeString(folder.resolve(file), block(card, "java"));
        Set<String> classpath = new LinkedHashSet<>();
        for (Class<?> type : List.of(OrtEnvironment.class, HuggingFaceTokenizer.class, Engine.class,
                com.google.gson.Gson.class, org.slf4j.Logger.class, com.sun.jna.Native.class)) {
            classpath.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return NodeChecks.run(folder, List.of(java, "-Dai.djl.offline=true", "-cp",
                String.join(File.pathSeparator, classpath), file), 300);
    }

    private static String block(String card, String language) {
        Matcher block = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(card);
        assertTrue(block.find(), "MODEL_CARD.md has a " + language + " program");
        return block.group(1);
    }

    private static Path unzip(byte[] zip, Path folder) throws Exception {
        Files.createDirectories(folder);
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                names.add(entry.getName());
                Files.write(folder.resolve(entry.getName()), in.readAllBytes());
            }
        }
        assertFalse(names.isEmpty());
        assertTrue(names.containsAll(List.of("tokenizer_config.json", "special_tokens_map.json")), names.toString());
        return folder;
    }
}
