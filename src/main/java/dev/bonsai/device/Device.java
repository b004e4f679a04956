package dev.bonsai.device;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A target device profile.
 *
 * <p>{@code relativeSpeed} estimates how fast one inference thread on the device runs a small
 * transformer compared with one core of an x86-64 server (1.0). It is an order-of-magnitude figure
 * derived from the cores' published single-thread integer and SIMD throughput and clock, not a
 * measurement ({@code relativeSpeedSource} says where each comes from); compression reports label
 * latencies derived from it as estimates. Devices {@link #measuredInItsRuntime() measured in their
 * own runtime} (the browser's onnxruntime-web) get measured latencies instead.
 */
public record Device(String id, String name, String category, String cpu, int cores, long ramBytes, long storageBytes,
        List<String> supportedPrecisions, String runtime, @Schema(nullable = true) String accelerator,
        double relativeSpeed,
        String relativeSpeedSource, long maxModelBytes, String notes) {

    /** Whether compression measures variants in this device's own runtime (onnxruntime-web) instead of estimating. */
    public boolean measuredInItsRuntime() {
        return runtime.startsWith("onnxruntime-web");
    }

    /**
     * A variant run in the device's own runtime: its single-text latency and load time, or the problem
     * that keeps it from fitting (the runtime cannot run it, or could not be used to check).
     */
    public record Measured(Double batch1P50Millis, Double batch1P95Millis, Double loadMillis, String runtime,
            String problem) {
    }
}
