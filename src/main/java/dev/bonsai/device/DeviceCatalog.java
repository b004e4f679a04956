package dev.bonsai.device;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/** The target devices compression can aim at. */
@ApplicationScoped
public class DeviceCatalog {

    private static final long MIB = 1024L * 1024;
    private static final long GIB = 1024 * MIB;

    private static final List<Device> DEVICES = List.of(
            new Device("x86-server", "x86-64 server CPU", "server",
                    "x86-64 with AVX2 (e.g. AMD EPYC / Intel Xeon), one core per inference thread", 2, 24 * GIB,
                    100 * GIB, List.of("fp32", "int8"), "onnxruntime", null, 1.0,
                    "the reference: latency is measured on this host", 4 * GIB,
                    "The reference: latency is measured on this host."),
            new Device("raspberry-pi-4", "Raspberry Pi 4 Model B (4 GB)", "single-board computer",
                    "Broadcom BCM2711, 4x Cortex-A72 @ 1.8 GHz (NEON)", 4, 4 * GIB, 32 * GIB,
                    List.of("fp32", "int8"), "onnxruntime", null, 0.15,
                    "estimate, no benchmark cited: an order-of-magnitude figure from the cores' clock and published per-clock throughput", 1 * GIB,
                    "Passively cooled boards throttle under sustained load."),
            new Device("raspberry-pi-zero-2w", "Raspberry Pi Zero 2 W", "single-board computer",
                    "Broadcom RP3A0, 4x Cortex-A53 @ 1.0 GHz (NEON)", 4, 512 * MIB, 16 * GIB,
                    List.of("fp32", "int8"), "onnxruntime", null, 0.04,
                    "estimate, no benchmark cited: an order-of-magnitude figure from the cores' clock and published per-clock throughput", 150 * MIB,
                    "512 MB shared with the OS: the model and runtime should stay well under 200 MB resident."),
            new Device("jetson-orin-nano", "NVIDIA Jetson Orin Nano (8 GB)", "edge AI module",
                    "6x Cortex-A78AE @ 1.5 GHz + 1024-core Ampere GPU", 6, 8 * GIB, 64 * GIB,
                    List.of("fp32", "fp16", "int8"), "onnxruntime", "Ampere GPU (CUDA/TensorRT)", 0.35,
                    "estimate, no benchmark cited: an order-of-magnitude figure from the cores' clock and published per-clock throughput", 2 * GIB,
                    "Relative speed is for the CPU cores; the GPU prefers fp16."),
            new Device("android-midrange", "Mid-range Android phone", "phone",
                    "Snapdragon 7-class, 1x Cortex-A78 @ 2.4 GHz + 3x A78 + 4x A55", 8, 6 * GIB, 128 * GIB,
                    List.of("fp32", "fp16", "int8"), "onnxruntime-mobile", "NPU via NNAPI (not assumed)", 0.45,
                    "estimate, no benchmark cited: an order-of-magnitude figure from the cores' clock and published per-clock throughput", 300 * MIB, "App download size matters: keep models small."),
            new Device("browser-wasm", "Web browser (WebAssembly)", "browser",
                    "WebAssembly SIMD on a laptop CPU, single-threaded", 1, 4 * GIB, 0,
                    List.of("fp32", "int8"), "onnxruntime-web (wasm)", null, 0.3,
                    "not used when the web runtime is installed: each compression job measures variants in it", 50 * MIB,
                    "Every visitor downloads the model: size is the main constraint."),
            new Device("cortex-m7", "Cortex-M7 microcontroller", "microcontroller",
                    "Arm Cortex-M7 @ 480 MHz (e.g. STM32H7), no OS", 1, 1 * MIB, 2 * MIB,
                    List.of("int8"), "bare-metal C inference library", null, 0.003,
                    "estimate, no benchmark cited: an order-of-magnitude figure from the cores' clock and published per-clock throughput", 2 * MIB,
                    "1 MB RAM and 2 MB flash: only very small int8 models fit."));

    public List<Device> list() {
        return DEVICES;
    }

    public Optional<Device> byId(String id) {
        return DEVICES.stream().filter(device -> device.id().equals(id)).findFirst();
    }
}
