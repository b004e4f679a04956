package dev.bonsai.engine.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory one variant needs, measured alone: {@link #measure} starts a fresh JVM that runs
 * {@link #main} on the variant's files and nothing else, so the figure is not disturbed by what
 * the server holds or does at the same time. The child reads its resident set after loading the
 * files into its heap, opens the session, runs one batch of 32 texts and one text, and reports the
 * high-water mark of its resident set; the variant's peak is the growth between the two (Linux
 * {@code /proc/self/status}: VmRSS, VmHWM).
 */
public final class MemoryProbe {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long TIMEOUT_SECONDS = 180;

    private MemoryProbe() {
    }

    /** The outcome: the peak growth in bytes, or null with the reason it could not be measured. */
    public record Result(Long peakBytes, String problem) {
    }

    /**
     * Measures in a child process, with the classes of this JVM's ONNX Runtime and tokenizer
     * libraries. {@code scratch} holds the child's input files while it runs.
     */
    public static Result measure(byte[] graph, byte[] tokenizerJson, int maxLength, List<String> texts, Path scratch) {
        if (!Files.isReadable(STATUS)) {
            return new Result(null, "this host has no /proc/self/status to read memory from");
        }
        Path folder = null;
        try {
            folder = Files.createTempDirectory(scratch, "memory-probe");
            Path graphFile = Files.write(folder.resolve("model.onnx"), graph);
            Path tokenizerFile = Files.write(folder.resolve("tokenizer.json"), tokenizerJson);
            Path textsFile = Files.write(folder.resolve("texts.txt"), texts.stream()
                    .map(text -> text.replace('\n', ' ').replace('\r', ' ')).toList(), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx" + Math.max(256, 3 * (graph.length >> 20) + 128) + "m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true", "-cp", classPath(),
                    MemoryProbe.class.getName(), graphFile.toString(), tokenizerFile.toString(),
                    Integer.toString(maxLength), textsFile.toString()));
            Path output = folder.resolve("output.txt");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Result(null, "the memory probe did not finish in " + TIMEOUT_SECONDS + " s");
            }
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            for (String line : lines) {
                if (line.startsWith("peakGrowthBytes=") && process.exitValue() == 0) {
                    return new Result(Long.parseLong(line.substring("peakGrowthBytes=".length()).trim()), null);
                }
            }
            return new Result(null, "the memory probe exited with " + process.exitValue() + ": "
                    + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
        } catch (IOException | RuntimeException e) {
            return new Result(null, "the memory probe could not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted");
        } finally {
            deleteQuietly(folder);
        }
    }

    /** Where this class, ONNX Runtime and the tokenizer library (with what it needs) were loaded from. */
    static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String type : List.of(MemoryProbe.class.getName(), "ai.onnxruntime.OrtEnvironment",
                "ai.djl.huggingface.tokenizers.HuggingFaceTokenizer", "ai.djl.engine.Engine", "com.google.gson.Gson",
                "org.slf4j.Logger", "com.sun.jna.Native")) {
            try {
                Class<?> loaded = Class.forName(type, false, MemoryProbe.class.getClassLoader());
                String entry = Path.of(loaded.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                if (!entries.contains(entry)) {
                    entries.add(entry);
                }
            } catch (ClassNotFoundException | java.net.URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot tell where " + type + " was loaded from", e);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** The child: {@code <graph> <tokenizer.json> <maxLength> <texts, one per line>}. */
    public static void main(String[] args) throws IOException {
        byte[] graph = Files.readAllBytes(Path.of(args[0]));
        byte[] tokenizer = Files.readAllBytes(Path.of(args[1]));
        int maxLength = Integer.parseInt(args[2]);
        List<String> texts = Files.readAllLines(Path.of(args[3]), StandardCharsets.UTF_8);
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            batch.add(texts.get(i % texts.size()));
        }
        long before = kilobytes("VmRSS:");
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizer, maxLength, 1)) {
            runner.run(batch);
            runner.run(batch.subList(0, 1));
        }
        System.out.println("peakGrowthBytes=" + Math.max(0, kilobytes("VmHWM:") - before) * 1024);
    }

    private static long kilobytes(String field) throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in " + STATUS);
    }

    private static void deleteQuietly(Path folder) {
        if (folder == null) {
            return;
        }
        try (var files = Files.list(folder)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // A scratch folder left behind is removed with the process's scratch space at the next start.
        }
    }
}
