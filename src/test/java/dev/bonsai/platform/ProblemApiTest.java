package dev.bonsai.platform;

import static dev.bonsai.support.Api.as;
import static dev.bonsai.support.Api.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/** Every kind of failure answers RFC 9457 problem+json, never a stack trace, never a 500. */
@QuarkusTest
class ProblemApiTest {

    static ValidatableResponse isProblem(ValidatableResponse response, int status, String code) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("code", equalTo(code))
                .body("type", notNullValue())
                .body("title", notNullValue())
                .body("detail", notNullValue())
                .body(allOf(not(containsString("Exception")), not(containsString("at dev.bonsai")),
                        not(containsString("java."))));
    }

    @Test
    void unknownRoutes() {
        String key = Api.newTenant();
        isProblem(as(key).get("/v1/nothing-here").then(), 404, "not_found");
        isProblem(given().get("/no/such/page").then(), 404, "not_found");
        isProblem(as(key).get("/v1/datasets/ds_missing").then(), 404, "not_found");
    }

    @Test
    void wrongMethod() {
        String key = Api.newTenant();
        isProblem(as(key).put("/v1/datasets").then(), 405, "method_not_allowed");
        isProblem(as(key).patch("/v1/api-keys").then(), 405, "method_not_allowed");
    }

    @Test
    void unsupportedMediaType() {
        String key = Api.newTenant();
        isProblem(as(key).contentType("application/xml").body("<a/>").post("/v1/datasets").then(), 415,
                "unsupported_media_type");
        isProblem(asAdmin().contentType("text/plain").body("name=x").post("/v1/tenants").then(), 415,
                "unsupported_media_type");
    }

    @Test
    void notAcceptable() {
        String key = Api.newTenant();
        isProblem(as(key).accept("application/xml").get("/v1/datasets").then(), 406, "not_acceptable");
    }

    @Test
    void malformedJson() {
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": ").post("/v1/tenants").then(), 400,
                "malformed_json");
        isProblem(asAdmin().contentType(ContentType.JSON).body("[1,2").post("/v1/tenants").then(), 400,
                "malformed_json");
    }

    @Test
    void wrongJsonTypesPointAtTheField() {
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": {\"first\": 1}}").post("/v1/tenants").then(),
                422, "validation_failed")
                .body("errors[0].pointer", equalTo("/name"));
    }

    @Test
    void beanValidationPointsAtTheField() {
        isProblem(asAdmin().contentType(ContentType.JSON).body("{\"name\": \"" + "x".repeat(201) + "\"}")
                .post("/v1/tenants").then(), 422, "validation_failed")
                .body("errors[0].pointer", equalTo("/name"))
                .body("errors[0].detail", notNullValue());
    }

    @Test
    void oversizedBodies() {
        String key = Api.newTenant();
        // The test profile limits datasets to 2 MB and HTTP bodies to 3 MB.
        byte[] overDatasetLimit = new byte[2 * 1024 * 1024 + 10];
        java.util.Arrays.fill(overDatasetLimit, (byte) 'a');
        isProblem(as(key).contentType("text/csv").body(overDatasetLimit).post("/v1/datasets").then(), 413,
                "payload_too_large");
        byte[] overHttpLimit = new byte[4 * 1024 * 1024];
        java.util.Arrays.fill(overHttpLimit, (byte) 'a');
        isProblem(as(key).contentType("text/csv").body(overHttpLimit).post("/v1/datasets").then(), 413,
                "payload_too_large");
        isProblem(asAdmin().contentType(ContentType.JSON).body(overHttpLimit).post("/v1/tenants").then(), 413,
                "payload_too_large");
    }
}
