package dev.bonsai.platform;

import static dev.bonsai.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * What one replica keeps from the database is dropped when another replica changes it. The other
 * replica is played by a connection of its own that changes the rows and notifies, in one
 * transaction, as the services do.
 */
@QuarkusTest
class ChangesTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Changes changes;

    @Test
    void aKeyRevokedElsewhereIsRefusedHereAtOnce() throws Exception {
        awaitListening();
        String key = Api.newTenant();
        as(key).get("/v1/models").then().statusCode(200);
        String tenantId = scalar("select tenant_id from api_keys where key_hash = ?", sha256(key));

        // Revoked without a word: this replica still trusts what it read a moment ago.
        otherReplica("update api_keys set revoked_at = now() where tenant_id = ?", tenantId, null);
        as(key).get("/v1/models").then().statusCode(200);

        // Revoked and announced: refused as soon as the notification arrives.
        otherReplica("update api_keys set revoked_at = now() where tenant_id = ?", tenantId, "KEYS:" + tenantId);
        assertEquals(401, eventually(() -> as(key).get("/v1/models").statusCode(), 401));
    }

    @Test
    void aModelDeletedElsewhereIsNotServedHere() throws Exception {
        awaitListening();
        String key = Api.newTenant();
        String model = Api.headModel(key, 6, Map.of("seed", 3, "epochs", 5));
        predict(key, model).then().statusCode(200);

        otherReplica("delete from models where id = ?", model, "MODEL:" + model);
        assertEquals(404, eventually(() -> predict(key, model).statusCode(), 404));
    }

    @Test
    void aRateLimitChangedElsewhereAppliesHere() throws Exception {
        awaitListening();
        String key = Api.newTenant();
        String tenantId = scalar("select tenant_id from api_keys where key_hash = ?", sha256(key));
        String model = Api.headModel(key, 6, Map.of("seed", 3, "epochs", 5));
        predict(key, model).then().statusCode(200);

        otherReplica("update tenants set predictions_per_second = 0.01, prediction_burst = 1 where id = ?", tenantId,
                "LIMITS:" + tenantId);
        assertEquals(429, eventually(() -> {
            predict(key, model);
            return predict(key, model).statusCode();
        }, 429));
    }

    @Test
    void aListenerWhoseConnectionIsCutListensAgainAndHearsTheNextChange() throws Exception {
        awaitListening();
        // The database ends the listening connection, as a restart or a network cut would.
        try (Connection connection = dataSource.getConnection();
                PreparedStatement terminate = connection.prepareStatement("select pg_terminate_backend(pid)"
                        + " from pg_stat_activity where query = 'LISTEN bonsai_changes' and pid <> pg_backend_pid()");
                ResultSet terminated = terminate.executeQuery()) {
            assertTrue(terminated.next() && terminated.getBoolean(1), "the listening connection was found and ended");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (changes.listening() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(!changes.listening(), "while it cannot hear changes, it says so (and caches stop trusting)");
        awaitListening();

        String key = Api.newTenant();
        as(key).get("/v1/models").then().statusCode(200);
        String tenantId = scalar("select tenant_id from api_keys where key_hash = ?", sha256(key));
        otherReplica("update api_keys set revoked_at = now() where tenant_id = ?", tenantId, "KEYS:" + tenantId);
        assertEquals(401, eventually(() -> as(key).get("/v1/models").statusCode(), 401), "heard after reconnecting");
    }

    private static io.restassured.response.Response predict(String key, String model) {
        return as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("A goal for the team")))
                .post("/v1/models/" + model + "/predictions");
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!changes.listening() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(changes.listening(), "this replica listens for changes");
    }

    private static int eventually(IntSupplier status, int wanted) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int last;
        do {
            last = status.getAsInt();
            if (last == wanted) {
                return last;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return last;
    }

    private static String sha256(String secret) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private String scalar(String sql, String parameter) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rows = statement.executeQuery()) {
                assertTrue(rows.next());
                return rows.getString(1);
            }
        }
    }

    /** Runs {@code sql} and, if given, notifies {@code payload}, in one transaction of its own. */
    private void otherReplica(String sql, String parameter, String payload) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, parameter);
                assertTrue(statement.executeUpdate() > 0, sql);
            }
            if (payload != null) {
                try (PreparedStatement notify = connection.prepareStatement("select pg_notify('bonsai_changes', ?)")) {
                    notify.setString(1, payload);
                    notify.execute();
                }
            }
            connection.commit();
        }
    }
}
