package dev.bonsai.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Shortcuts for API tests: keys and fresh tenants. */
public final class Api {

    /** The admin key the test profile configures (application.properties, %test). */
    public static final String ADMIN_KEY = "test-admin-key-0123456789";

    private Api() {
    }

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", "Bearer " + ADMIN_KEY);
    }

    public static RequestSpecification as(String apiKey) {
        return given().header("Authorization", "Bearer " + apiKey);
    }

    /** Creates a tenant and returns its first API key's secret. */
    public static String newTenant() {
        return asAdmin().contentType(ContentType.JSON)
                .body(Map.of("name", "tenant-" + UUID.randomUUID()))
                .post("/v1/tenants").then().statusCode(201)
                .extract().path("apiKey.secret");
    }

    /** Uploads a CSV body and returns the dataset id; fails unless it is accepted. */
    public static String uploadCsv(String apiKey, String csv) {
        return as(apiKey).contentType("text/csv").queryParam("name", "test").body(csv)
                .post("/v1/datasets").then().statusCode(201).extract().path("id");
    }

    /**
     * A small valid dataset: {@code perClass} rows for each of three labels. No text holds its label's
     * word: a classifier has to learn that "goal" is sports and "oven" cooking, so a broken trainer
     * cannot pass on the label being spelled out in the input.
     */
    public static String sampleCsv(int perClass) {
        StringBuilder csv = new StringBuilder("text,label\n");
        String[] labels = {"sports", "weather", "cooking"};
        String[][] words = {{"match", "goal", "team", "score"}, {"rain", "sunny", "storm", "wind"},
            {"bake", "recipe", "oven", "salt"}};
        String[] endings = {"as it happened", "in the morning paper", "for the second time", "with a short summary",
            "told by a neighbour"};
        for (int i = 0; i < perClass; i++) {
            for (int l = 0; l < labels.length; l++) {
                csv.append("\"The ").append(words[l][i % 4]).append(" story number ").append(i).append(", ")
                        .append(endings[(i + l) % endings.length]).append("\",").append(labels[l]).append('\n');
            }
        }
        return csv.toString();
    }

    /**
     * Uploads {@link #sampleCsv(int) sampleCsv(perClass)}, fine-tunes a head model on it with
     * {@code hyperparameters} and returns the model id once the job has succeeded.
     */
    public static String headModel(String apiKey, int perClass, Map<String, Object> hyperparameters)
            throws InterruptedException {
        String dataset = uploadCsv(apiKey, sampleCsv(perClass));
        String jobId = as(apiKey).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2",
                "dataset", dataset, "method", "head", "hyperparameters", hyperparameters)).post("/v1/fine-tuning/jobs")
                .then().statusCode(201).extract().path("id");
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            io.restassured.path.json.JsonPath job = as(apiKey).get("/v1/fine-tuning/jobs/" + jobId).then().extract()
                    .jsonPath();
            String status = job.getString("status");
            if (status.equals("succeeded")) {
                return job.getString("modelId");
            }
            if (status.equals("failed") || status.equals("cancelled")) {
                throw new AssertionError("the fine-tuning job ended " + status + ": " + job.prettify());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no model in time");
    }

    /**
     * Fine-tunes a small partial model (one layer unfrozen, one epoch) on {@code dataset}: weights of its
     * own, so it is served from its own session. Returns the model id once the job has succeeded.
     */
    public static String partialModel(String apiKey, String dataset) throws InterruptedException {
        String jobId = as(apiKey).contentType(ContentType.JSON).body(Map.of("baseModel", "all-minilm-l6-v2", "dataset",
                dataset, "method", "partial", "hyperparameters", Map.of("epochs", 1, "batchSize", 8, "unfreezeLayers", 1,
                        "maxSequenceLength", 32))).post("/v1/fine-tuning/jobs").then().statusCode(201).extract().path("id");
        io.restassured.path.json.JsonPath job = awaitJob(apiKey, "/v1/fine-tuning/jobs/" + jobId);
        if (!"succeeded".equals(job.getString("status"))) {
            throw new AssertionError("the fine-tuning job ended " + job.getString("status") + ": " + job.prettify());
        }
        return job.getString("modelId");
    }

    /** The job at {@code path} once it has ended (succeeded, failed or cancelled), waiting up to five minutes. */
    public static io.restassured.path.json.JsonPath awaitJob(String apiKey, String path) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            io.restassured.path.json.JsonPath job = as(apiKey).get(path).then().statusCode(200).extract().jsonPath();
            if (List.of("succeeded", "failed", "cancelled").contains(job.getString("status"))) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(path + " did not finish in time");
    }
}
