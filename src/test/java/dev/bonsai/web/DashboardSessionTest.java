package dev.bonsai.web;

import static dev.bonsai.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import dev.bonsai.tenant.DashboardSessionEntity;
import dev.bonsai.tenant.DashboardSessions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Dashboard sessions over plain HTTP: how they start, what they guard, and how they end. */
@QuarkusTest
class DashboardSessionTest {

    private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    @Test
    void aSessionIsOpenedWithATenantKeyAndEndsWhenTheKeyIsRevoked() {
        String key = Api.newTenant();
        given().redirects().follow(false).get("/dashboard/models").then().statusCode(303)
                .header("Location", endsWith("/dashboard/sign-in"));
        given().formParam("apiKey", Api.ADMIN_KEY).header("HX-Request", "true").post("/dashboard/sign-in").then()
                .statusCode(422).body(containsString("sign in with a tenant"));

        Response signIn = given().redirects().follow(false).formParam("apiKey", key).post("/dashboard/sign-in");
        signIn.then().statusCode(303).header("Location", endsWith("/dashboard/datasets"));
        String setCookie = signIn.header("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/dashboard"),
                setCookie);
        String token = signIn.cookie(DashboardFilter.COOKIE);
        assertFalse(token.contains(key));

        String page = given().cookie(DashboardFilter.COOKIE, token).get("/dashboard/api-keys").then().statusCode(200)
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Cache-Control", "no-store").extract().asString();
        Matcher csrf = CSRF.matcher(page);
        assertTrue(csrf.find());
        String csrfToken = csrf.group(1);
        given().cookie(DashboardFilter.COOKIE, token).formParam("name", "x").post("/dashboard/api-keys").then()
                .statusCode(403);
        given().cookie(DashboardFilter.COOKIE, token).header(DashboardFilter.CSRF_HEADER, csrfToken)
                .header("Origin", "https://elsewhere.example").formParam("name", "x").post("/dashboard/api-keys").then()
                .statusCode(403);
        String created = given().cookie(DashboardFilter.COOKIE, token).header(DashboardFilter.CSRF_HEADER, csrfToken)
                .formParam("name", "made in the dashboard").post("/dashboard/api-keys").then().statusCode(200)
                .extract().asString();
        assertTrue(created.contains("made in the dashboard") && created.contains("id=\"new-secret\""));

        String keyId = as(key).get("/v1/api-keys").then().statusCode(200).extract()
                .path("data.find { it.name == 'default' }.id");
        assertNotNull(keyId);
        as(key).delete("/v1/api-keys/" + keyId).then().statusCode(200);
        given().redirects().follow(false).cookie(DashboardFilter.COOKIE, token).get("/dashboard/models").then()
                .statusCode(303).header("Location", endsWith("/dashboard/sign-in"));
    }

    @Test
    void theServersOwnAddressSendsPeopleToTheDashboard() {
        given().redirects().follow(false).get("/").then().statusCode(303).header("Location", endsWith("/dashboard"));
    }

    @Test
    void signingOutEndsTheSession() {
        String key = Api.newTenant();
        String token = given().redirects().follow(false).formParam("apiKey", key).post("/dashboard/sign-in")
                .cookie(DashboardFilter.COOKIE);
        String page = given().cookie(DashboardFilter.COOKIE, token).get("/dashboard/models").then().statusCode(200)
                .extract().asString();
        Matcher csrf = CSRF.matcher(page);
        assertTrue(csrf.find());
        given().redirects().follow(false).cookie(DashboardFilter.COOKIE, token)
                .header(DashboardFilter.CSRF_HEADER, csrf.group(1)).post("/dashboard/sign-out").then().statusCode(303)
                .header("Set-Cookie", containsString("Max-Age=0"));
        given().redirects().follow(false).cookie(DashboardFilter.COOKIE, token).get("/dashboard/models").then()
                .statusCode(303);
    }

    @Test
    void aSessionEndsTwelveHoursAfterSignIn() {
        String key = Api.newTenant();
        String token = given().redirects().follow(false).formParam("apiKey", key).post("/dashboard/sign-in")
                .cookie(DashboardFilter.COOKIE);
        given().redirects().follow(false).cookie(DashboardFilter.COOKIE, token).get("/dashboard/models").then()
                .statusCode(200);
        String keyId = as(key).get("/v1/api-keys").then().statusCode(200).extract().path("data[0].id");
        // Its twelve hours are up, as if it had been opened the day before.
        QuarkusTransaction.requiringNew().run(() -> {
            DashboardSessionEntity session = DashboardSessionEntity.find("apiKeyId", keyId).firstResult();
            assertEquals(DashboardSessions.LIFETIME, Duration.between(session.createdAt, session.expiresAt));
            session.createdAt = session.createdAt.minusHours(12).minusSeconds(1);
            session.expiresAt = session.expiresAt.minusHours(12).minusSeconds(1);
        });
        given().redirects().follow(false).cookie(DashboardFilter.COOKIE, token).get("/dashboard/models").then()
                .statusCode(303).header("Location", endsWith("/dashboard/sign-in"));
    }
}
