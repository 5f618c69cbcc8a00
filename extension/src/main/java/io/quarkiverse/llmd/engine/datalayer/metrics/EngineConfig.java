package io.quarkiverse.llmd.engine.datalayer.metrics;

/**
 * One entry of llm-d's {@code core-metrics-extractor} {@code engineConfigs} parameter, with llm-d's field names, so it
 * binds from the same YAML/JSON. Every spec is a {@link MetricSpec} string; blank or null disables the field.
 *
 * @param name engine type, matched against the pod's engine-type label
 * @param queuedRequestsSpec waiting requests
 * @param runningRequestsSpec running requests
 * @param kvUsageSpec KV-cache usage fraction
 * @param loraSpec LoRA info metric (labels running_lora_adapters, waiting_lora_adapters, max_lora)
 * @param cacheInfoSpec info metric carrying block size and block count as labels
 * @param cacheBlockSizeLabelName label of cacheInfoSpec holding the block size; {@code block_size} when blank
 * @param cacheNumBlocksLabelName label of cacheInfoSpec holding the block count; {@code num_gpu_blocks} when blank
 * @param cacheBlockSizeSpec gauge holding the block size (alternative to the info labels)
 * @param cacheNumBlocksSpec gauge holding the block count (alternative to the info labels)
 */
public record EngineConfig(
        String name,
        String queuedRequestsSpec,
        String runningRequestsSpec,
        String kvUsageSpec,
        String loraSpec,
        String cacheInfoSpec,
        String cacheBlockSizeLabelName,
        String cacheNumBlocksLabelName,
        String cacheBlockSizeSpec,
        String cacheNumBlocksSpec) {
}
