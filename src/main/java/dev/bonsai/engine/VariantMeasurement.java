package dev.bonsai.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures a classifier graph on this host, one intra-op thread: its predictions on a test set,
 * latency percentiles at batch 1 and batch 32 over real texts, and the peak memory its session
 * adds to the process (Linux: the resident-set high-water mark, reset before loading).
 */
public final class VariantMeasurement {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private VariantMeasurement() {
    }

    public record Latency(double p50Millis, double p95Millis) {
    }

    /** {@code peakMemoryBytes} is null where the host cannot tell. */
    public record Measurement(long bytes, Long peakMemoryBytes, Latency batch1, Latency batch32, float[][] probabilities,
            int[] predictions) {
    }

    /**
     * @param texts the test texts: all are predicted, and latency runs cycle through them
     * @param latencyRuns timed single-text runs; batch 32 is timed over an eighth as many batches (at least 3)
     */
    public static Measurement measure(byte[] graph, byte[] tokenizerJson, int maxLength, List<String> texts,
            int latencyRuns) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to measure with");
        }
        long baseline = resetPeak();
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizerJson, maxLength, 1)) {
            runner.run(cycle(texts, 0, 32));
            Long peak = baseline < 0 ? null : Math.max(0, peakResident() - baseline);
            for (int i = 0; i < 3; i++) {
                runner.run(cycle(texts, i, 1));
            }
            double[] single = new double[latencyRuns];
            for (int i = 0; i < latencyRuns; i++) {
                List<String> one = cycle(texts, i, 1);
                long start = System.nanoTime();
                runner.run(one);
                single[i] = (System.nanoTime() - start) / 1e6;
            }
            int batches = Math.max(3, latencyRuns / 8);
            double[] batched = new double[batches];
            for (int i = 0; i < batches; i++) {
                List<String> batch = cycle(texts, i * 32, 32);
                long start = System.nanoTime();
                runner.run(batch);
                batched[i] = (System.nanoTime() - start) / 1e6;
            }
            float[][] probabilities = runner.probabilities(texts, 32);
            return new Measurement(graph.length + tokenizerJson.length, peak, percentiles(single), percentiles(batched),
                    probabilities, SoftmaxHead.argmax(probabilities));
        }
    }

    static Latency percentiles(double[] millis) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Latency(round(percentile(sorted, 0.50)), round(percentile(sorted, 0.95)));
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double round(double millis) {
        return Math.round(millis * 1000) / 1000.0;
    }

    private static List<String> cycle(List<String> texts, int from, int count) {
        List<String> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            result.add(texts.get((from + i) % texts.size()));
        }
        return result;
    }

    /** Resets the high-water mark and returns the current resident set, or -1 where unsupported. */
    private static long resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return statusKilobytes("VmRSS:") * 1024;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long peakResident() {
        try {
            return statusKilobytes("VmHWM:") * 1024;
        } catch (IOException e) {
            return -1;
        }
    }

    private static long statusKilobytes(String field) throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in " + STATUS);
    }
}
