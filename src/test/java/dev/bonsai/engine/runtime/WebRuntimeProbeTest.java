package dev.bonsai.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.SmallClassifier;
import dev.bonsai.support.NodeChecks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Variants run in onnxruntime-web's WebAssembly backend, as the browser profile's compression jobs run them. */
class WebRuntimeProbeTest {

    @Test
    void aClassifierRunsAndIsTimedAndWhatTheRuntimeCannotLoadIsSaid(@TempDir Path scratch) throws Exception {
        Path runtime = NodeChecks.home();
        SmallClassifier fixture = SmallClassifier.get();
        List<long[]> inputs = ClassifierRunner.ids(fixture.tokenizerJson, 32, fixture.data.texts.subList(0, 8));

        WebRuntimeProbe.Result result = WebRuntimeProbe.measure(runtime, fixture.classifier, inputs, 8, scratch);
        assertNull(result.unavailable(), result.toString());
        assertNull(result.cannotRun(), result.toString());
        assertTrue(result.runtime().startsWith("onnxruntime-web 1.30.0 (WebAssembly, one thread)"), result.runtime());
        assertTrue(result.loadMillis() > 0 && result.batch1().p50Millis() > 0
                && result.batch1().p95Millis() >= result.batch1().p50Millis(), result.toString());

        WebRuntimeProbe.Result broken = WebRuntimeProbe.measure(runtime,
                "not an ONNX graph".getBytes(StandardCharsets.UTF_8), inputs, 8, scratch);
        assertNull(broken.unavailable(), broken.toString());
        assertNotNull(broken.cannotRun(), "the runtime's own refusal is reported");
        assertNull(broken.batch1());
    }

    @Test
    void withoutARuntimeItSaysSoInsteadOfGuessing(@TempDir Path scratch) {
        WebRuntimeProbe.Result result = WebRuntimeProbe.measure(scratch, new byte[] {1}, List.of(new long[] {101, 102}), 4,
                scratch);
        assertNotNull(result.unavailable());
        assertTrue(result.unavailable().contains("measure.mjs"), result.unavailable());
        assertEquals(null, result.batch1());
        assertTrue(WebRuntimeProbe.unavailable(null).isPresent());
    }
}
