package dev.bonsai.engine.evaluate;

import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.runtime.MemoryProbe;
import dev.bonsai.engine.train.SoftmaxHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures a classifier graph on this host, one intra-op thread: its predictions on a test set,
 * latency percentiles at batch 1 and batch 32 over real texts, and the peak memory it needs,
 * measured alone in a child process ({@link MemoryProbe}).
 */
public final class VariantMeasurement {

    private VariantMeasurement() {
    }

    public record Latency(double p50Millis, double p95Millis) {
    }

    /**
     * Latency as a share of the original's, measured in pairs: each timed text runs on the variant and on
     * the original back to back (in alternating order), so that the host's drift hits both sides. {@code
     * ratio} is the median of the pairs' ratios and {@code standardError} its standard error (from their
     * interquartile range); the original's own is 1 ± 0.
     */
    public record RelativeLatency(double ratio, double standardError, int pairs) {

        public static final RelativeLatency SELF = new RelativeLatency(1.0, 0.0, 0);
    }

    /** The original graph and tokenizer a variant's latency is paired with. */
    public record Reference(byte[] graph, byte[] tokenizerJson) {
    }

    /**
     * {@code peakMemoryBytes} is null where it could not be measured, and {@code peakMemoryProblem} says why;
     * {@code validationPredictions} are the classes predicted for the validation texts.
     */
    public record Measurement(long bytes, Long peakMemoryBytes, String peakMemoryProblem, Latency batch1, Latency batch32,
            RelativeLatency relativeLatency, float[][] probabilities, int[] predictions, int[] validationPredictions) {
    }

    /**
     * @param texts the test texts: all are predicted, and latency runs cycle through them
     * @param validationTexts predicted too, in the same session
     * @param latencyRuns timed single-text runs; batch 32 is timed over an eighth as many batches (at least 3)
     * @param scratch a folder for the memory probe's files while it runs
     * @param reference the original, which the single-text runs are paired with; null when measuring the
     *     original itself
     */
    public static Measurement measure(byte[] graph, byte[] tokenizerJson, int maxLength, List<String> texts,
            List<String> validationTexts, int latencyRuns, Path scratch, Reference reference) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to measure with");
        }
        MemoryProbe.Result memory = MemoryProbe.measure(graph, tokenizerJson, maxLength, texts, scratch);
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizerJson, maxLength, 1);
                ClassifierRunner original = reference == null ? null
                        : ClassifierRunner.open(reference.graph(), reference.tokenizerJson(), maxLength, 1)) {
            runner.run(cycle(texts, 0, 32));
            for (int i = 0; i < 3; i++) {
                runner.run(cycle(texts, i, 1));
                if (original != null) {
                    original.run(cycle(texts, i, 1));
                }
            }
            double[] single = new double[latencyRuns];
            double[] ratios = new double[original == null ? 0 : latencyRuns];
            for (int i = 0; i < latencyRuns; i++) {
                List<String> one = cycle(texts, i, 1);
                if (original == null) {
                    single[i] = time(runner, one);
                    continue;
                }
                double originalMillis = i % 2 == 1 ? time(original, one) : 0;
                single[i] = time(runner, one);
                if (i % 2 == 0) {
                    originalMillis = time(original, one);
                }
                ratios[i] = single[i] / originalMillis;
            }
            int batches = Math.max(3, latencyRuns / 8);
            double[] batched = new double[batches];
            for (int i = 0; i < batches; i++) {
                batched[i] = time(runner, cycle(texts, i * 32, 32));
            }
            float[][] probabilities = runner.probabilities(texts, 32);
            int[] validation = validationTexts.isEmpty() ? new int[0]
                    : SoftmaxHead.argmax(runner.probabilities(validationTexts, 32));
            return new Measurement(graph.length + tokenizerJson.length, memory.peakBytes(), memory.problem(),
                    percentiles(single), percentiles(batched), original == null ? RelativeLatency.SELF : relative(ratios),
                    probabilities, SoftmaxHead.argmax(probabilities), validation);
        }
    }

    private static double time(ClassifierRunner runner, List<String> texts) {
        long start = System.nanoTime();
        runner.run(texts);
        return (System.nanoTime() - start) / 1e6;
    }

    /** Median ratio, and its standard error taken as 1.253 σ / √n with σ estimated as IQR / 1.349. */
    static RelativeLatency relative(double[] ratios) {
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        double median = percentile(sorted, 0.5);
        double sigma = (percentile(sorted, 0.75) - percentile(sorted, 0.25)) / 1.349;
        double error = 1.2533 * sigma / Math.sqrt(sorted.length);
        return new RelativeLatency(Math.round(median * 10000) / 10000.0, Math.round(error * 10000) / 10000.0,
                sorted.length);
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
}
