package dev.bonsai.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.device.Device;
import dev.bonsai.device.DeviceCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

class VariantSelectionTest {

    private static final Device PI = new DeviceCatalog().byId("raspberry-pi-4").orElseThrow();
    private static final Device MCU = new DeviceCatalog().byId("cortex-m7").orElseThrow();
    private static final VariantSelection.Constraints GATE = new VariantSelection.Constraints(0.01, null, null);

    private static final VariantSelection.Candidate ORIGINAL = new VariantSelection.Candidate("a", "original", "fp32",
            91_000_000, 200_000_000L, 20.0, 1.0, 0.90);
    private static final VariantSelection.Candidate INT8 = new VariantSelection.Candidate("b", "int8-dynamic", "int8",
            23_000_000, 80_000_000L, 8.0, 0.4, 0.895);
    private static final VariantSelection.Candidate TINY_BUT_WRONG = new VariantSelection.Candidate("c", "layer-drop:1",
            "int8", 9_000_000, 40_000_000L, 3.0, 0.15, 0.80);

    @Test
    void theGateRejectsAVariantThatLosesTooMuchAndTheBestOfTheRestIsRecommended() {
        VariantSelection.Outcome outcome = VariantSelection.select(List.of(ORIGINAL, INT8, TINY_BUT_WRONG), 0.90, PI, GATE);
        assertEquals("b", outcome.recommended().orElseThrow().candidate().id());
        VariantSelection.Verdict wrong = outcome.verdicts().get(2);
        assertFalse(wrong.passesGate());
        assertTrue(wrong.gateProblem().contains("0.1"), wrong.gateProblem());
        assertTrue(wrong.paretoOptimal(), "fastest and smallest, so still on the frontier");
        assertTrue(outcome.verdicts().get(1).paretoOptimal());
        assertEquals(-0.005, outcome.verdicts().get(1).accuracyDelta(), 1e-9);
        assertEquals(Math.round(8.0 / PI.relativeSpeed() * 10000) / 10000.0,
                outcome.verdicts().get(1).estimatedDeviceLatencyMillis(), 1e-9);
    }

    @Test
    void aMicrocontrollerFitsNoneAndTheClosestIsNamed() {
        VariantSelection.Outcome outcome = VariantSelection.select(List.of(ORIGINAL, INT8, TINY_BUT_WRONG), 0.90, MCU, GATE);
        assertTrue(outcome.recommended().isEmpty());
        assertTrue(outcome.explanation().startsWith("No variant"), outcome.explanation());
        assertEquals("b", outcome.closest().candidate().id(), "within the gate, fewest problems");
        assertTrue(outcome.verdicts().get(0).fitProblems().stream().anyMatch(problem -> problem.contains("fp32")));
        assertTrue(outcome.verdicts().get(1).fitProblems().stream().anyMatch(problem -> problem.contains("model budget")));
    }

    @Test
    void aVariantWhosePeakMemoryIsUnknownIsNotSaidToFit() {
        VariantSelection.Candidate unmeasured = new VariantSelection.Candidate("d", "int8-static", "int8", 20_000_000, null,
                7.0, 0.35, 0.90);
        VariantSelection.Outcome outcome = VariantSelection.select(List.of(ORIGINAL, INT8, unmeasured), 0.90, PI, GATE);
        VariantSelection.Verdict verdict = outcome.verdicts().get(2);
        assertFalse(verdict.fits());
        assertTrue(verdict.fitProblems().get(0).contains("unknown"), verdict.fitProblems().toString());
        assertEquals("b", outcome.recommended().orElseThrow().candidate().id(), "smaller and faster, but not known to fit");
    }

    @Test
    void requestedCeilingsCount() {
        VariantSelection.Outcome outcome = VariantSelection.select(List.of(ORIGINAL, INT8), 0.90, PI,
                new VariantSelection.Constraints(0.01, 30.0, null));
        assertTrue(outcome.recommended().isEmpty(), "8 ms here is about 53 ms estimated on the Pi, over 30");
        assertTrue(outcome.verdicts().get(1).fitProblems().get(0).contains("maxLatencyMillis"));
        outcome = VariantSelection.select(List.of(ORIGINAL, INT8), 0.90, PI,
                new VariantSelection.Constraints(0.01, null, 10_000_000L));
        assertTrue(outcome.recommended().isEmpty());
    }

    @Test
    void dominanceNeedsNoWorseOnEveryAxis() {
        assertTrue(VariantSelection.dominates(INT8, new VariantSelection.Candidate("d", "x", "int8", 24_000_000, null, 9.0,
                0.45, 0.89)));
        assertFalse(VariantSelection.dominates(INT8, ORIGINAL));
        assertFalse(VariantSelection.dominates(INT8, INT8));
    }

    @Test
    void latenciesWithinTheNoiseAreATieThatTheSmallerVariantWins() {
        // As two identical jobs measured them: host noise puts either one ahead. Ranked by size times latency the
        // answer would flip between the runs; within the noise it is a tie, and the smaller one wins both times.
        for (double[] latencies : new double[][] {{0.38, 0.41}, {0.41, 0.39}}) {
            VariantSelection.Candidate int8 = new VariantSelection.Candidate("b", "int8-dynamic", "int8", 21_000_000,
                    80_000_000L, 20 * latencies[0], latencies[0], 0.01, 0.895);
            VariantSelection.Candidate pruned = new VariantSelection.Candidate("e", "vocabulary-pruning+int8-dynamic",
                    "int8", 20_000_000, 60_000_000L, 20 * latencies[1], latencies[1], 0.01, 0.895);
            VariantSelection.Outcome outcome = VariantSelection.select(List.of(ORIGINAL, int8, pruned), 0.90, PI, GATE);
            assertEquals("e", outcome.recommended().orElseThrow().candidate().id(), "a tie at " + latencies[0] + " and "
                    + latencies[1]);
        }
        // A gap well beyond the noise is not a tie: the faster one wins though it is larger.
        VariantSelection.Candidate slowSmall = new VariantSelection.Candidate("e", "vocabulary-pruning+int8-dynamic",
                "int8", 13_500_000, 60_000_000L, 12.0, 0.60, 0.01, 0.895);
        VariantSelection.Candidate fastLarge = new VariantSelection.Candidate("b", "int8-dynamic", "int8", 23_000_000,
                80_000_000L, 8.0, 0.40, 0.01, 0.895);
        assertEquals("b", VariantSelection.select(List.of(ORIGINAL, fastLarge, slowSmall), 0.90, PI, GATE).recommended()
                .orElseThrow().candidate().id());
        // A large error widens the tie.
        assertTrue(VariantSelection.tied(new VariantSelection.Candidate("x", "x", "int8", 1, 1L, 1, 0.40, 0.05, 0.9),
                new VariantSelection.Candidate("y", "y", "int8", 1, 1L, 1, 0.50, 0.03, 0.9)));
        assertFalse(VariantSelection.tied(new VariantSelection.Candidate("x", "x", "int8", 1, 1L, 1, 0.40, 0.005, 0.9),
                new VariantSelection.Candidate("y", "y", "int8", 1, 1L, 1, 0.45, 0.005, 0.9)));
    }

    @Test
    void theExplanationNamesAFasterVariantWhenTheTieWentToTheSmallerOne() {
        VariantSelection.Candidate int8 = new VariantSelection.Candidate("b", "int8-dynamic", "int8", 21_000_000,
                80_000_000L, 7.6, 0.38, 0.01, 0.895);
        VariantSelection.Candidate pruned = new VariantSelection.Candidate("e", "vocabulary-pruning+int8-dynamic",
                "int8", 20_000_000, 60_000_000L, 8.2, 0.41, 0.01, 0.895);
        String tie = VariantSelection.select(List.of(ORIGINAL, int8, pruned), 0.90, PI, GATE).explanation();
        assertTrue(tie.startsWith("vocabulary-pruning+int8-dynamic is recommended"), tie);
        assertTrue(tie.contains("the fastest, int8-dynamic (latency 0.41 against 0.38"), tie);
        assertFalse(tie.contains("is the fastest"), "the table shows another one faster: " + tie);

        String alone = VariantSelection.select(List.of(ORIGINAL, INT8, TINY_BUT_WRONG), 0.90, PI, GATE).explanation();
        assertTrue(alone.startsWith("int8-dynamic is the fastest variant that fits " + PI.name()), alone);
    }
}
