package io.quarkiverse.llmd.engine.request;

/**
 * Token usage reported by a model server in a response.
 *
 * @param promptTokens input tokens ({@code prompt_tokens} or {@code input_tokens})
 * @param completionTokens output tokens ({@code completion_tokens} or {@code output_tokens})
 * @param totalTokens {@code total_tokens}; prompt plus completion when the server did not send it
 * @param cachedTokens prompt tokens served from the prefix cache ({@code prompt_tokens_details.cached_tokens}); 0
 *        when not reported (vLLM reports it only with {@code --enable-prompt-tokens-details})
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens) {
}
