package dev.bonsai.compression;

import dev.bonsai.device.Device;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides, for measured variants, which fit the device, which pass the accuracy gate, which are on
 * the Pareto frontier (accuracy up, latency and size down) and which one to recommend: among
 * those that fit and pass, the one with the smallest size × latency product, so neither the
 * smallest nor the fastest wins by a hair on one axis while losing much on the other.
 */
public final class VariantSelection {

    private VariantSelection() {
    }

    /** What a compression job asked for. */
    public record Constraints(double maxAccuracyDrop, Double maxLatencyMillis, Long maxSizeBytes) {
    }

    /**
     * One measured variant; the original is one of them (recipe "original"). {@code relativeLatency} is its
     * single-text latency as a share of the original's, measured in pairs in the same run, with its standard
     * error {@code relativeLatencyError}.
     */
    public record Candidate(String id, String recipe, String precision, long bytes, Long peakMemoryBytes,
            double hostLatencyMillis, double relativeLatency, double relativeLatencyError, double accuracy,
            Device.Measured measuredOnDevice) {

        /** A candidate whose latency relative to the original is exactly known (the original itself, tests). */
        public Candidate(String id, String recipe, String precision, long bytes, Long peakMemoryBytes,
                double hostLatencyMillis, double relativeLatency, double accuracy) {
            this(id, recipe, precision, bytes, peakMemoryBytes, hostLatencyMillis, relativeLatency, 0.0, accuracy, null);
        }

        /** A candidate with no measurement in the device's own runtime: its device latency is an estimate. */
        public Candidate(String id, String recipe, String precision, long bytes, Long peakMemoryBytes,
                double hostLatencyMillis, double relativeLatency, double relativeLatencyError, double accuracy) {
            this(id, recipe, precision, bytes, peakMemoryBytes, hostLatencyMillis, relativeLatency, relativeLatencyError,
                    accuracy, null);
        }
    }

    /**
     * Two relative latencies closer than this share of the original's are a tie whatever their errors say:
     * drift that pairing cannot cancel (caches, frequency scaling between the two runs of a pair).
     */
    static final double LATENCY_TIE_FLOOR = 0.03;

    /** The verdict on one candidate. */
    public record Verdict(Candidate candidate, double estimatedDeviceLatencyMillis, double accuracyDelta, List<String> fitProblems,
            String gateProblem, boolean paretoOptimal) {

        public boolean fits() {
            return fitProblems.isEmpty();
        }

        public boolean passesGate() {
            return gateProblem == null;
        }
    }

    public record Outcome(List<Verdict> verdicts, Optional<Verdict> recommended, String explanation, Verdict closest) {
    }

    public static Outcome select(List<Candidate> candidates, double originalAccuracy, Device device, Constraints constraints) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Candidate candidate : candidates) {
            Device.Measured measured = candidate.measuredOnDevice();
            double estimated = measured != null && measured.batch1P50Millis() != null ? measured.batch1P50Millis()
                    : round(candidate.hostLatencyMillis() / device.relativeSpeed());
            double delta = round(candidate.accuracy() - originalAccuracy);
            List<String> problems = new ArrayList<>();
            if (!device.supportedPrecisions().contains(candidate.precision())) {
                problems.add(candidate.precision() + " is not supported by " + device.name() + " (it runs "
                        + String.join(", ", device.supportedPrecisions()) + ")");
            }
            if (measured != null && measured.problem() != null) {
                problems.add(measured.problem());
            }
            if (candidate.bytes() > device.maxModelBytes()) {
                problems.add(candidate.bytes() + " bytes exceed the device's model budget of " + device.maxModelBytes());
            }
            if (candidate.peakMemoryBytes() == null) {
                // Unknown is not a pass: a variant is recommended only when it is known to fit.
                problems.add("peak memory could not be measured on this host, so whether it fits the device's RAM of "
                        + device.ramBytes() + " bytes is unknown");
            } else if (candidate.peakMemoryBytes() > device.ramBytes()) {
                problems.add("peak memory " + candidate.peakMemoryBytes() + " bytes exceeds the device's RAM of "
                        + device.ramBytes());
            }
            if (constraints.maxSizeBytes() != null && candidate.bytes() > constraints.maxSizeBytes()) {
                problems.add(candidate.bytes() + " bytes exceed maxSizeBytes " + constraints.maxSizeBytes());
            }
            if (constraints.maxLatencyMillis() != null && estimated > constraints.maxLatencyMillis()) {
                problems.add("estimated " + estimated + " ms on the device exceeds maxLatencyMillis "
                        + constraints.maxLatencyMillis());
            }
            String gate = -delta > constraints.maxAccuracyDrop() + 1e-12
                    ? "accuracy drops by " + round(-delta) + ", more than maxAccuracyDrop " + constraints.maxAccuracyDrop()
                    : null;
            verdicts.add(new Verdict(candidate, estimated, delta, List.copyOf(problems), gate, false));
        }
        List<Verdict> marked = new ArrayList<>();
        for (Verdict verdict : verdicts) {
            boolean dominated = verdicts.stream().anyMatch(other -> other != verdict && dominates(other.candidate(),
                    verdict.candidate()));
            marked.add(new Verdict(verdict.candidate(), verdict.estimatedDeviceLatencyMillis(), verdict.accuracyDelta(),
                    verdict.fitProblems(), verdict.gateProblem(), !dominated));
        }
        // The fastest eligible variant, then every one whose latency is within the noise of it; of those the
        // smallest. Host noise alone then cannot change the recommendation between two identical jobs.
        List<Verdict> eligible = marked.stream().filter(verdict -> verdict.fits() && verdict.passesGate()).toList();
        Optional<Verdict> fastest = eligible.stream()
                .min(Comparator.comparingDouble(verdict -> verdict.candidate().relativeLatency()));
        Optional<Verdict> recommended = fastest.flatMap(best -> eligible.stream()
                .filter(verdict -> tied(verdict.candidate(), best.candidate()))
                .min(Comparator.<Verdict>comparingLong(verdict -> verdict.candidate().bytes())
                        .thenComparingDouble(verdict -> verdict.candidate().relativeLatency())
                        .thenComparing(verdict -> verdict.candidate().recipe())));
        String explanation;
        Verdict closest = null;
        if (recommended.isPresent()) {
            explanation = explain(recommended.get().candidate(), fastest.get().candidate(), eligible.stream()
                    .filter(verdict -> tied(verdict.candidate(), fastest.get().candidate())).count(), device);
        } else {
            // Closest: within the gate if any is, then the fewest problems, then the smallest.
            closest = marked.stream().min(Comparator.<Verdict>comparingInt(verdict -> verdict.passesGate() ? 0 : 1)
                    .thenComparingInt(verdict -> verdict.fitProblems().size())
                    .thenComparingLong(verdict -> verdict.candidate().bytes())).orElse(null);
            explanation = "No variant both fits " + device.name() + " and stays within the accuracy gate."
                    + (closest == null ? "" : " Closest: " + closest.candidate().recipe() + " ("
                    + String.join("; ", closest.passesGate() ? closest.fitProblems()
                            : concat(closest.fitProblems(), closest.gateProblem())) + ").");
        }
        return new Outcome(marked, recommended, explanation, closest);
    }

    /**
     * Why the chosen variant, in words that agree with the matrix beside them: when another variant
     * measured faster, it is named with both latencies.
     */
    static String explain(Candidate chosen, Candidate fastest, long tiedWithFastest, Device device) {
        String fits = " fits " + device.name() + " within the accuracy gate";
        if (chosen == fastest) {
            return chosen.recipe() + " is the fastest variant that" + fits + ": its latency is "
                    + chosen.relativeLatency() + " of the original's, measured in pairs with it"
                    + (tiedWithFastest > 1 ? ", and it is the smallest of the variants within the noise of that." : ".");
        }
        return chosen.recipe() + " is recommended: it" + fits + " and is the smallest of the variants whose latency is"
                + " within the noise of the fastest, " + fastest.recipe() + " (latency " + chosen.relativeLatency()
                + " against " + fastest.relativeLatency() + " of the original's, measured in pairs with it; "
                + chosen.bytes() + " bytes against " + fastest.bytes() + ").";
    }

    /** Latencies within two standard errors of each other, or within {@link #LATENCY_TIE_FLOOR}. */
    static boolean tied(Candidate a, Candidate b) {
        double noise = Math.max(LATENCY_TIE_FLOOR, 2 * Math.hypot(a.relativeLatencyError(), b.relativeLatencyError()));
        return Math.abs(a.relativeLatency() - b.relativeLatency()) <= noise;
    }

    /** {@code a} is at least as good as {@code b} on every axis and better on one. */
    static boolean dominates(Candidate a, Candidate b) {
        boolean noWorse = a.accuracy() >= b.accuracy() && a.hostLatencyMillis() <= b.hostLatencyMillis()
                && a.bytes() <= b.bytes();
        boolean better = a.accuracy() > b.accuracy() || a.hostLatencyMillis() < b.hostLatencyMillis() || a.bytes() < b.bytes();
        return noWorse && better;
    }

    private static List<String> concat(List<String> list, String last) {
        List<String> all = new ArrayList<>(list);
        all.add(last);
        return all;
    }

    private static double round(double value) {
        return Math.round(value * 10000) / 10000.0;
    }
}
