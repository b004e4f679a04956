package dev.bonsai.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server keeps its data across a stop and a start on the same directory. */
class EmbeddedDatabaseTest {

    @TempDir
    Path dataDir;

    @Test
    void restartKeepsData() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir, EmbeddedDatabase.DEFAULT_PORT_ANY);
                Connection connection = connect(database); Statement statement = connection.createStatement()) {
            statement.execute("create table kept (value text)");
            statement.execute("insert into kept values ('survives a restart')");
        }
        try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir, EmbeddedDatabase.DEFAULT_PORT_ANY);
                Connection connection = connect(database); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("select value from kept")) {
            result.next();
            assertEquals("survives a restart", result.getString(1));
        }
    }

    private static Connection connect(EmbeddedDatabase database) throws Exception {
        var properties = database.datasourceProperties();
        return DriverManager.getConnection(properties.get("quarkus.datasource.jdbc.url"),
                properties.get("quarkus.datasource.username"), properties.get("quarkus.datasource.password"));
    }
}
