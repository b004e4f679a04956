package dev.bonsai.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Node.js with the npm packages of {@code src/test/node} (onnxruntime-node, onnxruntime-web,
 * transformers.js; openapi-typescript, openapi-fetch, TypeScript, Ajv), installed once with {@code npm ci} into {@code target/node-checks}: runtimes
 * nobody on the project wrote, for checking what Bonsai hands out. Tests using it are skipped with
 * a notice when {@code node} or {@code npm} is missing ({@code .ci/run} installs them). The folder
 * also serves as the test profile's web runtime ({@code bonsai.engine.web-runtime-dir}).
 */
public final class NodeChecks {

    private static final Path SOURCES = Path.of("src/test/node");
    private static final Path HOME = Path.of("target/node-checks").toAbsolutePath();

    private NodeChecks() {
    }

    /** The folder holding {@code node_modules} and the check scripts, installing them if needed. */
    public static synchronized Path home() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "The bundle checks need Node.js and npm"
                + " (apt-get install -y nodejs npm; .ci/run installs them); skipped.");
        Files.createDirectories(HOME);
        byte[] lock = Files.readAllBytes(SOURCES.resolve("package-lock.json"));
        Path installed = HOME.resolve("node_modules/.bonsai-lock");
        if (!Files.exists(installed) || !java.util.Arrays.equals(lock, Files.readAllBytes(installed))) {
            Files.copy(SOURCES.resolve("package.json"), HOME.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(HOME.resolve("package-lock.json"), lock);
            // No install scripts: onnxruntime-node's only fetches optional GPU libraries from outside npm.
            run(HOME, List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"), 600);
            Files.write(installed, lock);
        }
        // The checks' sources, and the server's own web runtime script (the test profile's web runtime is this folder).
        for (Path folder : List.of(SOURCES, Path.of("src/main/web-runtime"))) {
            try (var scripts = Files.list(folder)) {
                for (Path script : scripts.filter(NodeChecks::isSource).toList()) {
                    Files.copy(script, HOME.resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return HOME;
    }

    /** Runs {@code node <script> <arguments>} from {@link #home()}, answering its standard output. */
    public static String node(String script, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", home().resolve(script).toString()));
        command.addAll(List.of(arguments));
        return run(home(), command, 300);
    }

    /** Runs {@code command} in {@code folder}; a non-zero exit fails the test with its output. */
    public static String run(Path folder, List<String> command, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("node-checks", ".out");
        Path errors = Files.createTempFile("node-checks", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectOutput(output.toFile())
                    .redirectError(errors.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s");
            }
            String stdout = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                String stderr = Files.readString(errors, StandardCharsets.UTF_8);
                throw new AssertionError(command + " exited with " + process.exitValue() + ": " + stdout + "\n"
                        + stderr.substring(Math.max(0, stderr.length() - 4000)));
            }
            return stdout;
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }

    private static boolean isSource(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(".mjs") || name.endsWith(".ts") || name.equals("tsconfig.json");
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String folder : path.split(java.io.File.pathSeparator)) {
            if (!folder.isEmpty() && Files.isExecutable(Path.of(folder, program))) {
                return true;
            }
        }
        return false;
    }
}
