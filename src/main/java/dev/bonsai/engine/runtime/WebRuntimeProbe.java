package dev.bonsai.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.engine.evaluate.VariantMeasurement;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A variant run as a browser runs it: in onnxruntime-web's WebAssembly backend, one thread, by
 * Node.js (whose V8 runs the same WebAssembly as Chromium) on this host. The runtime is a folder
 * holding {@code measure.mjs} and {@code node_modules/onnxruntime-web} ({@code src/main/web-runtime},
 * installed beside the packaged server when npm is present, and in the container image).
 */
public final class WebRuntimeProbe {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 300;

    private WebRuntimeProbe() {
    }

    /**
     * What the web runtime made of a variant. Exactly one of these holds: it ran ({@code loadMillis}
     * and the latencies are set), it could not run the graph ({@code cannotRun} says why), or the
     * runtime is not available on this server ({@code unavailable} says why).
     */
    public record Result(String runtime, Double loadMillis, VariantMeasurement.Latency batch1, String cannotRun,
            String unavailable) {

        static Result unavailable(String why) {
            return new Result(null, null, null, null, why);
        }
    }

    /** Why no web runtime can be used from {@code folder}, or empty when it can. */
    public static Optional<String> unavailable(Path folder) {
        if (folder == null) {
            return Optional.of("no web runtime is configured (BONSAI_WEB_RUNTIME_DIR)");
        }
        if (!Files.isRegularFile(folder.resolve("measure.mjs"))
                || !Files.isDirectory(folder.resolve("node_modules/onnxruntime-web"))) {
            return Optional.of("the web runtime folder " + folder + " has no measure.mjs and node_modules/onnxruntime-web");
        }
        if (node().isEmpty()) {
            return Optional.of("Node.js (node) is not installed on this server");
        }
        return Optional.empty();
    }

    /**
     * Loads {@code graph} in the web runtime and times {@code runs} single-text runs over {@code inputs}
     * (token ids, special tokens included). {@code scratch} holds the files while it runs.
     */
    public static Result measure(Path folder, byte[] graph, List<long[]> inputs, int runs, Path scratch) {
        Optional<String> unavailable = unavailable(folder);
        if (unavailable.isPresent()) {
            return Result.unavailable(unavailable.get());
        }
        Path work = null;
        try {
            work = Files.createTempDirectory(scratch, "web-runtime");
            Path model = Files.write(work.resolve("model.onnx"), graph);
            Path inputFile = work.resolve("inputs.json");
            JSON.writeValue(inputFile.toFile(), inputs);
            Path output = work.resolve("output.json");
            Process process = new ProcessBuilder(node().orElseThrow().toString(), "measure.mjs", model.toString(),
                    inputFile.toString(), Integer.toString(runs)).directory(folder.toFile())
                    .redirectOutput(output.toFile()).redirectError(work.resolve("errors.txt").toFile()).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return Result.unavailable("the web runtime did not finish in " + TIMEOUT_SECONDS + " s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8).trim();
            if (process.exitValue() != 0 || text.isEmpty()) {
                List<String> errors = Files.readAllLines(work.resolve("errors.txt"), StandardCharsets.UTF_8);
                return Result.unavailable("the web runtime exited with " + process.exitValue() + ": "
                        + String.join(" | ", errors.subList(Math.max(0, errors.size() - 3), errors.size())));
            }
            JsonNode answer = JSON.readTree(text.substring(text.lastIndexOf('\n') + 1));
            String runtime = answer.path("runtime").asText();
            if (answer.hasNonNull("error")) {
                return new Result(runtime, null, null, answer.path("error").asText(), null);
            }
            return new Result(runtime, answer.path("loadMillis").asDouble(), new VariantMeasurement.Latency(
                    answer.path("p50Millis").asDouble(), answer.path("p95Millis").asDouble()), null, null);
        } catch (IOException | RuntimeException e) {
            return Result.unavailable("the web runtime could not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.unavailable("interrupted");
        } finally {
            delete(work);
        }
    }

    private static Optional<Path> node() {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path node = folder.isEmpty() ? null : Path.of(folder, "node");
            if (node != null && Files.isExecutable(node)) {
                return Optional.of(node);
            }
        }
        return Optional.empty();
    }

    private static void delete(Path folder) {
        if (folder == null) {
            return;
        }
        try (var files = Files.list(folder)) {
            List<Path> all = new ArrayList<>(files.toList());
            for (Path file : all) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // Left in the process's own scratch folder, which the next start removes.
        }
    }
}
