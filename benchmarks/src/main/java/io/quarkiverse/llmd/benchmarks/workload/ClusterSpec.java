package io.quarkiverse.llmd.benchmarks.workload;

import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.config.HardwareProfile;

/**
 * The simulated cluster: identical pods of one hardware profile. Read from a small YAML file
 * ({@code benchmarks/clusters/*.yaml}) and/or flags:
 *
 * <pre>
 * pods: 8
 * hardware: h100-qwen3-32b-tp2     # or h100, a100, l4, h100-llama-8b, ...
 * kv_blocks_per_pod: 4800          # default: the profile's
 * block_size: 16                   # default: the profile's
 * max_num_seqs: 256
 * max_num_batched_tokens: 8192
 * scrape_interval_ms: 50
 * enable_prefix_caching: true
 * step_time_scale: 1               # multiplies the profile's step-time parameters a, b, c, d
 * </pre>
 *
 * {@code step_time_scale} is the knob for scaled-down reproductions: a workload with k times fewer tokens on
 * hardware k times slower per token keeps each request's duration, so the published QPS ladder keeps its meaning.
 */
public record ClusterSpec(String name, int pods, HardwareProfile hardware, int maxNumSeqs, int maxNumBatchedTokens,
        double scrapeIntervalSeconds, boolean enablePrefixCaching) {

    private static final Set<String> KEYS = Set.of("pods", "hardware", "kv_blocks_per_pod", "block_size",
            "max_num_seqs", "max_num_batched_tokens", "scrape_interval_ms", "enable_prefix_caching", "step_time_scale");

    public ClusterSpec {
        if (pods < 1) {
            throw new WorkloadException("pods must be >= 1, got " + pods);
        }
        if (maxNumSeqs < 1 || maxNumBatchedTokens < 1) {
            throw new WorkloadException("max_num_seqs and max_num_batched_tokens must be >= 1");
        }
        if (!(scrapeIntervalSeconds > 0)) {
            throw new WorkloadException("scrape_interval_ms must be > 0");
        }
    }

    /** 4 H100 pods (llama-8b profile), vLLM-like defaults. */
    public static ClusterSpec defaults() {
        return new ClusterSpec("default", 4, HardwareProfile.H100_LLAMA_8B, 256, 8192, 0.05, true);
    }

    public long kvTokensPerPod() {
        return (long) hardware.kvBlocks() * hardware.blockSize();
    }

    public ClusterSpec withPods(int n) {
        return new ClusterSpec(name, n, hardware, maxNumSeqs, maxNumBatchedTokens, scrapeIntervalSeconds,
                enablePrefixCaching);
    }

    public ClusterSpec withHardware(HardwareProfile hw) {
        return new ClusterSpec(name, pods, hw, maxNumSeqs, maxNumBatchedTokens, scrapeIntervalSeconds,
                enablePrefixCaching);
    }

    public ClusterSpec withLimits(int seqs, int batchedTokens) {
        return new ClusterSpec(name, pods, hardware, seqs, batchedTokens, scrapeIntervalSeconds, enablePrefixCaching);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    public static ClusterSpec parse(Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return parse(name, file.toString(), Yaml.read(file));
    }

    public static ClusterSpec parse(String name, String text) {
        return parse(name, name, Yaml.parse(name, text));
    }

    private static ClusterSpec parse(String name, String source, JsonNode root) {
        Yaml y = new Yaml(source);
        y.onlyKeys(root, "(top level)", KEYS);
        ClusterSpec d = defaults();
        HardwareProfile hw = d.hardware();
        String hwName = y.string(root, "hardware", "", null);
        if (hwName != null) {
            try {
                hw = HardwareProfile.byName(hwName);
            } catch (IllegalArgumentException e) {
                throw y.error("hardware", e.getMessage());
            }
        }
        int blocks = y.integer(root, "kv_blocks_per_pod", "", hw.kvBlocks(), 1);
        int blockSize = y.integer(root, "block_size", "", hw.blockSize(), 1);
        hw = hw.withKv(blocks, blockSize);
        double scale = y.number(root, "step_time_scale", "", 1.0, 0, true);
        if (scale != 1.0) {
            hw = new HardwareProfile(hw.name() + (hw.name().endsWith("-x" + scale) ? "" : "-x" + fmt(scale)),
                    hw.a() * scale, hw.b() * scale, hw.c() * scale, hw.d() * scale, hw.kvBlocks(), hw.blockSize(),
                    hw.relativeCost());
        }
        return new ClusterSpec(name, y.integer(root, "pods", "", d.pods(), 1), hw,
                y.integer(root, "max_num_seqs", "", d.maxNumSeqs(), 1),
                y.integer(root, "max_num_batched_tokens", "", d.maxNumBatchedTokens(), 1),
                y.number(root, "scrape_interval_ms", "", 50.0, 0, true) / 1000.0,
                y.bool(root, "enable_prefix_caching", "", true));
    }
}
