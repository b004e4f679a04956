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
            91_000_000, 200_000_000L, 20.0, 0.90);
    private static final VariantSelection.Candidate INT8 = new VariantSelection.Candidate("b", "int8-dynamic", "int8",
            23_000_000, 80_000_000L, 8.0, 0.895);
    private static final VariantSelection.Candidate TINY_BUT_WRONG = new VariantSelection.Candidate("c", "layer-drop:1",
            "int8", 9_000_000, 40_000_000L, 3.0, 0.80);

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
                7.0, 0.90);
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
                0.89)));
        assertFalse(VariantSelection.dominates(INT8, ORIGINAL));
        assertFalse(VariantSelection.dominates(INT8, INT8));
    }
}
