package io.quarkiverse.llmd.simulator.api;

/**
 * A validated completion or chat request.
 *
 * @param chat true for /v1/chat/completions
 * @param model the model name as requested (base or LoRA), never null
 * @param loraName the adapter, or null for the base model
 * @param promptTokens prompt token ids (after the chat template)
 * @param maxTokens max_tokens / max_completion_tokens, or null
 * @param stream SSE streaming
 * @param includeUsage streaming: a final usage chunk
 * @param continuousUsage streaming: usage in every chunk
 * @param ignoreEos generate exactly max_tokens
 * @param cacheSalt vLLM cache_salt, or null
 * @param doRemoteDecode P/D prefill side: prefill only and return kv_transfer_params
 * @param doRemotePrefill P/D decode side: the prompt's KV arrives by transfer
 * @param seed output seed, or null
 */
public record ParsedRequest(boolean chat, String model, String loraName, int[] promptTokens, Integer maxTokens,
        boolean stream, boolean includeUsage, boolean continuousUsage, boolean ignoreEos, String cacheSalt,
        boolean doRemoteDecode, boolean doRemotePrefill, Long seed) {
}
