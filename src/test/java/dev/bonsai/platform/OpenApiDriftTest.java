package dev.bonsai.platform;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed openapi.yaml is what the code serves. After an API change, regenerate it with
 * {@code ./mvnw verify -Dopenapi.write=true} and commit it.
 */
@QuarkusTest
class OpenApiDriftTest {

    @Test
    void committedDocumentMatchesTheCode() throws IOException {
        String served = given().queryParam("format", "yaml").get("/q/openapi").then().statusCode(200)
                .extract().asString();
        Path committed = Path.of(System.getProperty("test.project.dir", "."), "openapi.yaml");
        if (Boolean.getBoolean("openapi.write")) {
            Files.writeString(committed, served, StandardCharsets.UTF_8);
        }
        String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        assertEquals(expected, served, "openapi.yaml is out of date: run ./mvnw verify -Dopenapi.write=true and commit it");
    }
}
