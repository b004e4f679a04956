package dev.bonsai.device;

import java.util.List;

/**
 * A target device profile.
 *
 * <p>{@code relativeSpeed} estimates how fast one inference thread on the device runs a small
 * transformer compared with one core of an x86-64 server (1.0). It is an order-of-magnitude figure
 * derived from the cores' published single-thread integer and SIMD throughput and clock, not a
 * measurement; compression reports label latencies derived from it as estimates.
 */
public record Device(String id, String name, String category, String cpu, int cores, long ramBytes, long storageBytes,
        List<String> supportedPrecisions, String runtime, String accelerator, double relativeSpeed,
        long maxModelBytes, String notes) {
}
