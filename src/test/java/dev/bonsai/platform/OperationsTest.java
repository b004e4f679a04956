package dev.bonsai.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class OperationsTest {

    @Test
    void healthChecksDatabaseAndBlobStorage() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("blob-storage", "Database connections health check"));
    }

    @Test
    void prometheusMetrics() {
        given().get("/v1/base-models");
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests_seconds"));
    }

    @Test
    void jsonLogLinesAreSingleObjects() throws Exception {
        var record = new org.jboss.logmanager.ExtLogRecord(java.util.logging.Level.WARNING, "quote \" and\nnewline",
                OperationsTest.class.getName());
        record.setLoggerName("dev.bonsai.test");
        record.setThrown(new IllegalStateException("boom"));
        String line = new JsonLogFormatter().format(record);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        org.junit.jupiter.api.Assertions.assertEquals("quote \" and\nnewline", json.get("message").asText());
        org.junit.jupiter.api.Assertions.assertEquals("WARNING", json.get("level").asText());
        org.junit.jupiter.api.Assertions.assertTrue(json.get("exception").asText().contains("boom"));
        org.junit.jupiter.api.Assertions.assertEquals(1, line.strip().lines().count(), "one line per record");
    }
}
