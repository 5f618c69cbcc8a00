package io.quarkiverse.llmd.simulator.api;

/**
 * Writes vLLM-shaped response bodies (kvcache-and-sim.md B2.1/B2.2) for one request, by hand into a
 * StringBuilder: the field set and order are fixed and this is the hot path of every response.
 */
public final class ResponseWriter {

    private final boolean chat;
    private final String prefix;
    private final String chunkHead;

    /**
     * @param chat chat.completion shapes instead of text_completion
     * @param id response id ({@code cmpl-…} or {@code chatcmpl-…})
     * @param created unix seconds
     * @param model model name as requested
     */
    public ResponseWriter(boolean chat, String id, long created, String model) {
        this.chat = chat;
        StringBuilder sb = new StringBuilder(96);
        sb.append("{\"id\":");
        Json.quote(sb, id);
        sb.append(",\"object\":\"").append(chat ? "chat.completion" : "text_completion").append("\",\"created\":")
                .append(created).append(",\"model\":");
        Json.quote(sb, model);
        this.prefix = sb.toString();
        this.chunkHead = (chat ? prefix.replace("\"chat.completion\"", "\"chat.completion.chunk\"") : prefix)
                + ",\"choices\":[";
    }

    /** The non-streaming body. {@code kvTransferParams} is raw JSON or null. */
    public String full(String text, String finishReason, int promptTokens, int completionTokens, int cachedTokens,
            String kvTransferParams) {
        StringBuilder sb = new StringBuilder(prefix.length() + text.length() + 400);
        sb.append(prefix).append(",\"choices\":[{\"index\":0,");
        if (chat) {
            sb.append("\"message\":{\"role\":\"assistant\",\"content\":");
            Json.quote(sb, text);
            sb.append(",\"refusal\":null,\"annotations\":null,\"audio\":null,\"function_call\":null,"
                    + "\"tool_calls\":[],\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":");
        } else {
            sb.append("\"text\":");
            Json.quote(sb, text);
            sb.append(",\"logprobs\":null,\"finish_reason\":");
        }
        Json.quote(sb, finishReason);
        sb.append(",\"stop_reason\":null");
        if (!chat) {
            sb.append(",\"prompt_logprobs\":null");
        }
        sb.append("}],\"service_tier\":null,\"system_fingerprint\":null,");
        usage(sb, promptTokens, completionTokens, cachedTokens);
        if (chat) {
            sb.append(",\"prompt_logprobs\":null");
        }
        sb.append(",\"kv_transfer_params\":").append(kvTransferParams == null ? "null" : kvTransferParams)
                .append('}');
        return sb.toString();
    }

    /** The first chat chunk, announcing the assistant role. */
    public String roleChunk() {
        return chunkPrefix().append("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"logprobs\":null,\"finish_reason\":null}]}").toString();
    }

    /**
     * A content chunk.
     *
     * @param finishReason null for all but the last chunk
     * @param completionTokens when >= 0, a usage object is attached (continuous usage stats)
     */
    public String chunk(String text, String finishReason, int promptTokens, int completionTokens, int cachedTokens) {
        StringBuilder sb = chunkPrefix();
        sb.append("{\"index\":0,");
        if (chat) {
            sb.append("\"delta\":{\"content\":");
            Json.quote(sb, text);
            sb.append('}');
        } else {
            sb.append("\"text\":");
            Json.quote(sb, text);
        }
        sb.append(",\"logprobs\":null,\"finish_reason\":");
        if (finishReason == null) {
            sb.append("null");
        } else {
            Json.quote(sb, finishReason);
        }
        sb.append(",\"stop_reason\":null}]");
        if (completionTokens >= 0) {
            sb.append(',');
            usage(sb, promptTokens, completionTokens, cachedTokens);
        }
        return sb.append('}').toString();
    }

    /** The final usage chunk ({@code stream_options.include_usage}). */
    public String usageChunk(int promptTokens, int completionTokens, int cachedTokens) {
        StringBuilder sb = chunkPrefix().append("],");
        usage(sb, promptTokens, completionTokens, cachedTokens);
        return sb.append('}').toString();
    }

    private StringBuilder chunkPrefix() {
        return new StringBuilder(chunkHead.length() + 200).append(chunkHead);
    }

    private static void usage(StringBuilder sb, int prompt, int completion, int cached) {
        sb.append("\"usage\":{\"prompt_tokens\":").append(prompt).append(",\"total_tokens\":")
                .append(prompt + completion).append(",\"completion_tokens\":").append(completion)
                .append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cached).append("}}");
    }
}
