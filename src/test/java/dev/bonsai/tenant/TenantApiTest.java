package dev.bonsai.tenant;

import static dev.bonsai.support.Api.as;
import static dev.bonsai.support.Api.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.bonsai.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class TenantApiTest {

    @Test
    void adminCreatesTenantAndItsFirstKeyWorks() {
        var created = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "Acme"))
                .post("/v1/tenants").then().statusCode(201)
                .body("id", startsWith("ten_"))
                .body("name", equalTo("Acme"))
                .body("apiKey.secret", startsWith("bns_"))
                .body("apiKey.prefix", notNullValue())
                .extract();
        String tenantId = created.path("id");
        String secret = created.path("apiKey.secret");
        String prefix = created.path("apiKey.prefix");
        org.junit.jupiter.api.Assertions.assertTrue(secret.startsWith(prefix), "the prefix is the start of the secret");

        asAdmin().get("/v1/tenants/" + tenantId).then().statusCode(200).body("name", equalTo("Acme"))
                .body("apiKey", nullValue());
        asAdmin().get("/v1/tenants").then().statusCode(200).body("data.id", hasItem(tenantId));
        as(secret).get("/v1/api-keys").then().statusCode(200)
                .body("data[0].prefix", equalTo(prefix))
                .body("data[0].secret", nullValue())
                .body("data[0].lastUsedAt", notNullValue());
    }

    @Test
    void tenantCreationValidatesItsBody() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", " ")).post("/v1/tenants").then().statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("validation_failed"))
                .body("errors[0].pointer", equalTo("/name"));
        asAdmin().contentType(ContentType.JSON).post("/v1/tenants").then().statusCode(422)
                .contentType("application/problem+json");
    }

    @Test
    void missingOrWrongKeysAre401AndWrongKindOfKeyIs403() {
        given().get("/v1/datasets").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("code", equalTo("unauthenticated"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/v1/datasets").then().statusCode(401);
        as("bns_notARealKey").get("/v1/datasets").then().statusCode(401).body("code", equalTo("unauthenticated"));
        as("").get("/v1/datasets").then().statusCode(401);

        String tenantKey = Api.newTenant();
        as(tenantKey).get("/v1/tenants").then().statusCode(403).body("code", equalTo("forbidden"));
        as(tenantKey).contentType(ContentType.JSON).body(Map.of("name", "x")).post("/v1/tenants").then().statusCode(403);
        asAdmin().get("/v1/datasets").then().statusCode(403).body("code", equalTo("forbidden"));
        asAdmin().get("/v1/api-keys").then().statusCode(403);
    }

    @Test
    void tenantsCreateListAndRevokeKeys() {
        String first = Api.newTenant();
        var created = as(first).contentType(ContentType.JSON).body(Map.of("name", "ci"))
                .post("/v1/api-keys").then().statusCode(201)
                .body("id", startsWith("key_")).body("name", equalTo("ci")).body("secret", startsWith("bns_"))
                .extract();
        String secondId = created.path("id");
        String second = created.path("secret");

        as(second).get("/v1/api-keys").then().statusCode(200).body("data.id", hasItem(secondId))
                .body("data.size()", equalTo(2));
        as(first).delete("/v1/api-keys/" + secondId).then().statusCode(200).body("revokedAt", notNullValue());
        as(second).get("/v1/api-keys").then().statusCode(401);
        as(first).get("/v1/api-keys").then().statusCode(200);
        as(first).delete("/v1/api-keys/key_doesNotExist").then().statusCode(404).body("code", equalTo("not_found"));
    }

    @Test
    void keysArePagedWithCursors() {
        String key = Api.newTenant();
        for (int i = 0; i < 4; i++) {
            as(key).contentType(ContentType.JSON).body(Map.of("name", "k" + i)).post("/v1/api-keys").then().statusCode(201);
        }
        var page1 = as(key).queryParam("limit", 3).get("/v1/api-keys").then().statusCode(200)
                .body("data.size()", equalTo(3)).body("hasMore", equalTo(true)).extract();
        String cursor = page1.path("nextCursor");
        as(key).queryParam("limit", 3).queryParam("after", cursor).get("/v1/api-keys").then().statusCode(200)
                .body("data.size()", equalTo(2)).body("hasMore", equalTo(false))
                .body("data.name", not(hasItem("k3")));
        as(key).queryParam("limit", 0).get("/v1/api-keys").then().statusCode(422).body("errors[0].pointer", equalTo("/limit"));
        as(key).queryParam("after", "garbage!").get("/v1/api-keys").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/after"));
    }

    @Test
    void secretsAreStoredOnlyAsHashes() {
        String secret = Api.newTenant();
        ApiKeyEntity stored = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
                .call(() -> ApiKeyEntity.<ApiKeyEntity>find("keyHash", Secrets.sha256(secret)).firstResult());
        org.junit.jupiter.api.Assertions.assertNotNull(stored);
        org.junit.jupiter.api.Assertions.assertNotEquals(secret, stored.keyHash);
        org.junit.jupiter.api.Assertions.assertEquals(64, stored.keyHash.length());
    }
}
