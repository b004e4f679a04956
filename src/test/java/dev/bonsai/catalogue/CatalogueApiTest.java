package dev.bonsai.catalogue;

import static dev.bonsai.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class CatalogueApiTest {

    @Test
    void baseModelsComeFromThePackagedWeights() {
        as(Api.newTenant()).get("/v1/base-models").then().statusCode(200)
                .body("data.id", hasItems("all-minilm-l6-v2", "bge-small-en-v1.5", "bge-small-zh-v1.5"))
                .body("data.bytes", everyItem(greaterThan(50_000_000)))
                .body("data.sha256", everyItem(notNullValue()))
                .body("data.find { it.id == 'all-minilm-l6-v2' }.maxSequenceLength", equalTo(256))
                .body("data.find { it.id == 'bge-small-zh-v1.5' }.language", equalTo("zh"))
                .body("data.licence", everyItem(notNullValue()));
    }

    @Test
    void devicesCoverServerToMicrocontroller() {
        as(Api.newTenant()).get("/v1/devices").then().statusCode(200)
                .body("data.id", hasItems("x86-server", "raspberry-pi-4", "raspberry-pi-zero-2w", "jetson-orin-nano",
                        "android-midrange", "browser-wasm", "cortex-m7"))
                .body("data.relativeSpeed", everyItem(greaterThan(0f)))
                .body("data.find { it.id == 'cortex-m7' }.supportedPrecisions", equalTo(java.util.List.of("int8")));
        java.util.List<Number> ram = as(Api.newTenant()).get("/v1/devices").then().extract().path("data.ramBytes");
        ram.forEach(bytes -> org.junit.jupiter.api.Assertions.assertTrue(bytes.longValue() > 0));
    }

    @Test
    void cataloguesNeedAKey() {
        given().get("/v1/base-models").then().statusCode(401);
        given().get("/v1/devices").then().statusCode(401);
    }
}
