package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one engine type publishes the figures the scheduler needs (reference 4). Each field is an ordered list of
 * alternative {@link MetricSpec}s: the first spec that selects at least one series is used, so a renamed metric can
 * fall back to its old name (vLLM's {@code vllm:kv_cache_usage_perc}, formerly {@code vllm:gpu_cache_usage_perc}). An
 * empty list disables the field.
 * <p>
 * Block size and block count come from the labels of an info metric ({@code cacheInfo} with
 * {@code cacheBlockSizeLabel}, {@code cacheNumBlocksLabel}) and, when that yields nothing, from plain gauges
 * ({@code cacheBlockSize}, {@code cacheNumBlocks}).
 *
 * @param engine the engine type name, as in the pod label
 * @param queuedRequests waiting requests
 * @param runningRequests running requests
 * @param kvUsage KV-cache usage fraction
 * @param lora LoRA info metric
 * @param cacheInfo cache-config info metric
 * @param cacheBlockSizeLabel label of the info metric holding the block size
 * @param cacheNumBlocksLabel label of the info metric holding the block count
 * @param cacheBlockSize gauge holding the block size
 * @param cacheNumBlocks gauge holding the block count
 */
public record EngineMetricsMapping(
        String engine,
        List<MetricSpec> queuedRequests,
        List<MetricSpec> runningRequests,
        List<MetricSpec> kvUsage,
        List<MetricSpec> lora,
        List<MetricSpec> cacheInfo,
        String cacheBlockSizeLabel,
        String cacheNumBlocksLabel,
        List<MetricSpec> cacheBlockSize,
        List<MetricSpec> cacheNumBlocks) {

    /** Default label of the info metric holding the block size. */
    public static final String DEFAULT_BLOCK_SIZE_LABEL = "block_size";
    /** Default label of the info metric holding the block count. */
    public static final String DEFAULT_NUM_BLOCKS_LABEL = "num_gpu_blocks";

    /** vLLM (reference 4 and kvcache-and-sim B2.5). */
    public static final EngineMetricsMapping VLLM = new EngineMetricsMapping("vllm",
            specs("vllm:num_requests_waiting"),
            specs("vllm:num_requests_running"),
            specs("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"),
            specs("vllm:lora_requests_info"),
            specs("vllm:cache_config_info"),
            DEFAULT_BLOCK_SIZE_LABEL, DEFAULT_NUM_BLOCKS_LABEL,
            List.of(), List.of());

    /** SGLang: page size and page count from {@code sglang:cache_config_info}, else from the newer gauges. */
    public static final EngineMetricsMapping SGLANG = new EngineMetricsMapping("sglang",
            specs("sglang:num_queue_reqs"),
            specs("sglang:num_running_reqs"),
            specs("sglang:token_usage"),
            List.of(),
            specs("sglang:cache_config_info"),
            "page_size", "num_pages",
            specs("sglang:page_size"), specs("sglang:num_pages"));

    /** TensorRT-LLM's {@code trtllm-serve}. */
    public static final EngineMetricsMapping TRTLLM_SERVE = new EngineMetricsMapping("trtllm-serve",
            specs("trtllm_num_requests_waiting"),
            specs("trtllm_num_requests_running"),
            specs("trtllm_kv_cache_utilization"),
            List.of(), List.of(), DEFAULT_BLOCK_SIZE_LABEL, DEFAULT_NUM_BLOCKS_LABEL,
            specs("trtllm_kv_cache_tokens_per_block"),
            specs("trtllm_kv_cache_max_blocks"));

    /** Triton Inference Server with the TensorRT-LLM backend (llm-d's name {@code triton-tensorrt-llm}). */
    public static final EngineMetricsMapping TRITON_TENSORRT_LLM = new EngineMetricsMapping("triton-tensorrt-llm",
            specs("nv_trt_llm_request_metrics{request_type=waiting}"),
            specs("nv_trt_llm_request_metrics{request_type=scheduled}"),
            specs("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}"),
            List.of(), List.of(), DEFAULT_BLOCK_SIZE_LABEL, DEFAULT_NUM_BLOCKS_LABEL,
            specs("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=tokens_per}"),
            specs("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=max}"));

    /** The built-in mappings. */
    public static final List<EngineMetricsMapping> BUILT_IN = List.of(VLLM, SGLANG, TRTLLM_SERVE, TRITON_TENSORRT_LLM);

    public EngineMetricsMapping {
        if (engine == null || engine.isBlank()) {
            throw new IllegalArgumentException("engine name cannot be empty");
        }
        queuedRequests = List.copyOf(queuedRequests);
        runningRequests = List.copyOf(runningRequests);
        kvUsage = List.copyOf(kvUsage);
        lora = List.copyOf(lora);
        cacheInfo = List.copyOf(cacheInfo);
        cacheBlockSizeLabel = cacheBlockSizeLabel == null || cacheBlockSizeLabel.isBlank() ? DEFAULT_BLOCK_SIZE_LABEL
                : cacheBlockSizeLabel;
        cacheNumBlocksLabel = cacheNumBlocksLabel == null || cacheNumBlocksLabel.isBlank() ? DEFAULT_NUM_BLOCKS_LABEL
                : cacheNumBlocksLabel;
        cacheBlockSize = List.copyOf(cacheBlockSize);
        cacheNumBlocks = List.copyOf(cacheNumBlocks);
    }

    /**
     * Builds a mapping from llm-d engineConfigs spec strings.
     *
     * @throws IllegalArgumentException when the name is empty or a spec does not parse; the message names the engine
     *         and the field
     */
    public static EngineMetricsMapping fromConfig(EngineConfig c) {
        if (c == null || c.name() == null || c.name().isBlank()) {
            throw new IllegalArgumentException("engine config name cannot be empty");
        }
        return new EngineMetricsMapping(c.name(),
                spec(c.name(), "queuedRequestsSpec", c.queuedRequestsSpec()),
                spec(c.name(), "runningRequestsSpec", c.runningRequestsSpec()),
                spec(c.name(), "kvUsageSpec", c.kvUsageSpec()),
                spec(c.name(), "loraSpec", c.loraSpec()),
                spec(c.name(), "cacheInfoSpec", c.cacheInfoSpec()),
                c.cacheBlockSizeLabelName(), c.cacheNumBlocksLabelName(),
                spec(c.name(), "cacheBlockSizeSpec", c.cacheBlockSizeSpec()),
                spec(c.name(), "cacheNumBlocksSpec", c.cacheNumBlocksSpec()));
    }

    /** Every sample name this mapping reads: what a filtered {@link PrometheusTextParser} must keep. */
    public Set<String> sampleNames() {
        Set<String> names = new LinkedHashSet<>();
        for (List<MetricSpec> l : List.of(queuedRequests, runningRequests, kvUsage, lora, cacheInfo, cacheBlockSize,
                cacheNumBlocks)) {
            for (MetricSpec s : l) {
                names.add(s.name());
            }
        }
        return names;
    }

    private static List<MetricSpec> spec(String engine, String field, String text) {
        try {
            MetricSpec s = MetricSpec.parse(text);
            return s == null ? List.of() : List.of(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("engine '" + engine + "', " + field + ": " + e.getMessage(), e);
        }
    }

    private static List<MetricSpec> specs(String... texts) {
        List<MetricSpec> list = new ArrayList<>(texts.length);
        for (String t : texts) {
            list.add(MetricSpec.parse(t));
        }
        return List.copyOf(list);
    }
}
