package io.quarkiverse.llmd.engine.request;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The typed body of a parsed request, one record per API. The parser produces it; plugins that need more than
 * {@link InferenceRequest}'s summary fields look inside, typically with a pattern-matching switch.
 * <p>
 * Free-form JSON ({@code tools}, responses {@code input}, ...) is kept as Jackson {@link JsonNode}s taken from the
 * parsed body; they are shared and must be treated as read-only.
 */
public sealed interface RequestBody permits RequestBody.Completions, RequestBody.ChatCompletions,
        RequestBody.Responses, RequestBody.Conversations, RequestBody.Embeddings {

    ApiType api();

    /** The {@code cache_salt} field, or null when absent or empty. */
    String cacheSalt();

    /**
     * {@code /v1/completions}.
     *
     * @param prompt the prompt, never empty
     * @param cacheSalt {@code cache_salt} or null
     */
    record Completions(PromptInput prompt, String cacheSalt) implements RequestBody {
        @Override
        public ApiType api() {
            return ApiType.COMPLETIONS;
        }
    }

    /**
     * {@code /v1/chat/completions}, with the OpenAI fields and the HuggingFace chat-template fields llm-d keeps.
     *
     * @param messages at least one message, each with a role
     * @param tools {@code tools} (empty when absent)
     * @param documents {@code documents} (empty when absent)
     * @param chatTemplate {@code chat_template} or null
     * @param chatTemplateKwargs {@code chat_template_kwargs} (empty when absent)
     * @param addGenerationPrompt {@code add_generation_prompt} as sent; false when absent (note: vLLM's default is
     *        true)
     * @param continueFinalMessage {@code continue_final_message}; false when absent
     * @param returnAssistantTokensMask {@code return_assistant_tokens_mask}; false when absent
     * @param cacheSalt {@code cache_salt} or null
     */
    record ChatCompletions(
            List<ChatMessage> messages,
            List<JsonNode> tools,
            List<JsonNode> documents,
            String chatTemplate,
            Map<String, JsonNode> chatTemplateKwargs,
            boolean addGenerationPrompt,
            boolean continueFinalMessage,
            boolean returnAssistantTokensMask,
            String cacheSalt) implements RequestBody {

        public ChatCompletions {
            messages = List.copyOf(messages);
            tools = tools == null ? List.of() : List.copyOf(tools);
            documents = documents == null ? List.of() : List.copyOf(documents);
            chatTemplateKwargs = chatTemplateKwargs == null ? Map.of() : Map.copyOf(chatTemplateKwargs);
        }

        /** A chat request with only messages. */
        public static ChatCompletions of(List<ChatMessage> messages) {
            return new ChatCompletions(messages, null, null, null, null, false, false, false, null);
        }

        @Override
        public ApiType api() {
            return ApiType.CHAT_COMPLETIONS;
        }

        /** Whether any message carries an image, audio or video block. */
        public boolean isMultimodal() {
            for (ChatMessage m : messages) {
                if (m.isMultimodal()) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * {@code /v1/responses}.
     *
     * @param input {@code input}: a string or an array of items; never null
     * @param instructions {@code instructions} or null
     * @param tools {@code tools} or null
     * @param cacheSalt {@code cache_salt} or null
     */
    record Responses(JsonNode input, JsonNode instructions, JsonNode tools, String cacheSalt) implements RequestBody {
        @Override
        public ApiType api() {
            return ApiType.RESPONSES;
        }
    }

    /**
     * {@code /v1/conversations}.
     *
     * @param items at least one item
     * @param metadata {@code metadata} (empty when absent)
     * @param cacheSalt {@code cache_salt} or null
     */
    record Conversations(List<ConversationItem> items, Map<String, JsonNode> metadata, String cacheSalt)
            implements RequestBody {

        public Conversations {
            items = List.copyOf(items);
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        }

        @Override
        public ApiType api() {
            return ApiType.CONVERSATIONS;
        }
    }

    /**
     * {@code /v1/embeddings}.
     *
     * @param input the input, never empty
     * @param cacheSalt {@code cache_salt} or null
     */
    record Embeddings(PromptInput input, String cacheSalt) implements RequestBody {
        @Override
        public ApiType api() {
            return ApiType.EMBEDDINGS;
        }
    }
}
