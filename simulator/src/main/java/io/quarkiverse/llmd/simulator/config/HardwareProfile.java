package io.quarkiverse.llmd.simulator.config;

import java.util.List;
import java.util.Locale;

/**
 * Step-time parameters and KV capacity of one simulated accelerator + model pair (calibration.md). An engine step
 * takes {@code a + b*prefillTokens + c*decodeSeqs + d*sumDecodeContextTokens} seconds.
 *
 * @param name profile name as accepted by {@code --hardware}
 * @param a fixed cost per step in seconds (reading the weights once)
 * @param b seconds per prefill token
 * @param c seconds per decoding sequence
 * @param d seconds per context token of each decoding sequence (reading its KV)
 * @param kvBlocks KV-cache blocks per pod
 * @param blockSize tokens per block
 * @param relativeCost cost per hour in relative units (L4 about 1.2, H100 10)
 */
public record HardwareProfile(String name, double a, double b, double c, double d, int kvBlocks, int blockSize,
        double relativeCost) {

    public static final HardwareProfile H100_QWEN3_32B_TP2 = new HardwareProfile("h100-qwen3-32b-tp2", 0.014, 49e-6,
            0.05e-3, 5.6e-8, 307_328 / 16, 16, 20);
    public static final HardwareProfile H100_LLAMA_8B = new HardwareProfile("h100-llama-8b", 0.007, 24e-6, 0.03e-3,
            5.6e-8, 380_000 / 16, 16, 10);
    public static final HardwareProfile A100_LLAMA_8B = new HardwareProfile("a100-llama-8b", 0.0115, 76e-6, 0.04e-3,
            9.3e-8, 380_000 / 16, 16, 5);
    public static final HardwareProfile L4_LLAMA_8B = new HardwareProfile("l4-llama-8b", 0.076, 196e-6, 0.1e-3, 6.2e-7,
            35_000 / 16, 16, 1.2);

    public static final List<HardwareProfile> BUILT_IN = List.of(H100_QWEN3_32B_TP2, H100_LLAMA_8B, A100_LLAMA_8B,
            L4_LLAMA_8B);

    public HardwareProfile {
        if (a < 0 || b < 0 || c < 0 || d < 0) {
            throw new IllegalArgumentException("step-time parameters must be >= 0");
        }
        if (kvBlocks < 1 || blockSize < 1) {
            throw new IllegalArgumentException("kvBlocks and blockSize must be >= 1");
        }
    }

    /** Looks a profile up by its full name or the short GPU name (H100, A100, L4 map to the llama-8b profiles). */
    public static HardwareProfile byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "h100":
                return H100_LLAMA_8B;
            case "a100":
                return A100_LLAMA_8B;
            case "l4":
                return L4_LLAMA_8B;
            default:
                for (HardwareProfile p : BUILT_IN) {
                    if (p.name.equals(n)) {
                        return p;
                    }
                }
                throw new IllegalArgumentException("unknown hardware profile '" + name + "', known: h100, a100, l4, "
                        + BUILT_IN.stream().map(HardwareProfile::name).toList());
        }
    }

    /** Seconds one engine step takes. */
    public double stepSeconds(int prefillTokens, int decodeSeqs, long decodeContextTokens) {
        return a + b * prefillTokens + c * decodeSeqs + d * decodeContextTokens;
    }

    public HardwareProfile withStep(double a, double b, double c, double d) {
        return new HardwareProfile(name, a, b, c, d, kvBlocks, blockSize, relativeCost);
    }

    public HardwareProfile withKv(int kvBlocks, int blockSize) {
        return new HardwareProfile(name, a, b, c, d, kvBlocks, blockSize, relativeCost);
    }
}
