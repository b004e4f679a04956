package dev.bonsai.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code application.properties} names each setting once per profile, and every line is a comment,
 * blank or {@code name=value} with a well-formed name: a setting given twice is silently the last
 * one (a test value once became the default of every server that way).
 */
class SettingsFileTest {

    private static final Pattern NAME = Pattern.compile("(%[a-z]+\\.)?[a-z][a-z0-9-]*(\\.[a-z0-9\"*-][a-z0-9\"*./-]*)*");

    @Test
    void everySettingIsNamedOncePerProfile() throws IOException {
        Path file = Path.of(System.getProperty("test.project.dir", "."), "src/main/resources/application.properties");
        Set<String> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file)) {
            number++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            int equals = text.indexOf('=');
            String name = equals < 0 ? text : text.substring(0, equals).strip();
            if (equals < 0 || !NAME.matcher(name).matches()) {
                problems.add("line " + number + " is not name=value: " + line);
            } else if (!seen.add(name)) {
                problems.add("line " + number + " sets " + name + " again");
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(seen.contains("bonsai.jobs.stream-heartbeat") && seen.contains("%test.bonsai.jobs.stream-heartbeat"));
    }
}
