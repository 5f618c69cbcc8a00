package io.quarkiverse.llmd.simulator.api;

import java.util.Iterator;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.tokenizer.Tokenizer;

/**
 * Validates an OpenAI completions / chat-completions body the way vLLM does (type errors and bad values are 400,
 * an unknown model is 404, too long a context is 400 with vLLM's message) and renders chat messages to a prompt.
 */
public final class RequestParser {

    private static final String[] NUMBER_FIELDS = { "temperature", "top_p", "presence_penalty", "frequency_penalty",
            "repetition_penalty", "min_p" };

    private final ServedModels models;
    private final Tokenizer tokenizer;
    private final int maxModelLen;

    public RequestParser(ServedModels models, Tokenizer tokenizer, int maxModelLen) {
        this.models = models;
        this.tokenizer = tokenizer;
        this.maxModelLen = maxModelLen;
    }

    public ParsedRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object.");
        }
        JsonNode modelNode = body.get("model");
        String model = null;
        if (modelNode != null && !modelNode.isNull()) {
            if (!modelNode.isTextual()) {
                throw ApiException.badRequest("model: Input should be a valid string", "model");
            }
            model = modelNode.asText();
        }
        String lora = models.resolveLora(model);
        int[] prompt = chat ? chatPrompt(body) : completionPrompt(body);
        if (prompt.length == 0) {
            throw ApiException.badRequest("The prompt cannot be empty.", chat ? "messages" : "prompt");
        }
        Integer maxTokens = optInt(body, chat ? "max_completion_tokens" : "max_tokens");
        if (maxTokens == null) {
            maxTokens = optInt(body, "max_tokens");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw ApiException.badRequest("max_tokens must be at least 1, got " + maxTokens + ".", "max_tokens");
        }
        boolean stream = optBool(body, "stream");
        JsonNode so = body.get("stream_options");
        boolean includeUsage = false;
        boolean continuousUsage = false;
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ApiException.badRequest("stream_options: Input should be a valid dictionary", "stream_options");
            }
            if (!stream) {
                throw ApiException.badRequest("Stream options can only be defined when `stream=True`.",
                        "stream_options");
            }
            includeUsage = !so.has("include_usage") || optBool(so, "include_usage");
            continuousUsage = optBool(so, "continuous_usage_stats");
        }
        Integer n = optInt(body, "n");
        if (n != null && n != 1) {
            throw ApiException.badRequest("n must be 1 in this simulator, got " + n + ".", "n");
        }
        for (String f : NUMBER_FIELDS) {
            JsonNode v = body.get(f);
            if (v != null && !v.isNull() && !v.isNumber()) {
                throw ApiException.badRequest(f + ": Input should be a valid number", f);
            }
        }
        boolean ignoreEos = optBool(body, "ignore_eos");
        String cacheSalt = optString(body, "cache_salt");
        if (cacheSalt != null && cacheSalt.isEmpty()) {
            throw ApiException.badRequest("Parameter 'cache_salt' must be a non-empty string if provided.",
                    "cache_salt");
        }
        JsonNode seedNode = body.get("seed");
        Long seed = null;
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong()) {
                throw ApiException.badRequest("seed: Input should be a valid integer", "seed");
            }
            seed = seedNode.asLong();
        }
        boolean remoteDecode = false;
        boolean remotePrefill = false;
        JsonNode kv = body.get("kv_transfer_params");
        if (kv != null && !kv.isNull()) {
            if (!kv.isObject()) {
                throw ApiException.badRequest("kv_transfer_params: Input should be a valid dictionary",
                        "kv_transfer_params");
            }
            remoteDecode = optBool(kv, "do_remote_decode");
            remotePrefill = optBool(kv, "do_remote_prefill");
            if (remoteDecode && stream) {
                throw ApiException.badRequest("Prefill does not support streaming", "stream");
            }
        }
        checkContext(prompt.length, maxTokens);
        return new ParsedRequest(chat, model == null ? models.baseModel() : model, lora, prompt, maxTokens, stream,
                includeUsage, continuousUsage, ignoreEos, cacheSalt, remoteDecode, remotePrefill, seed);
    }

    /**
     * The prompt's token ids as the completion would see them, for vLLM's render endpoints
     * ({@code /v1/completions/render}, {@code /v1/chat/completions/render}): the same model check (unknown model:
     * 404) and prompt rules, without the context-window check, since nothing is generated.
     */
    public int[] renderPrompt(JsonNode body, boolean chat) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object.");
        }
        JsonNode modelNode = body.get("model");
        if (modelNode != null && !modelNode.isNull() && !modelNode.isTextual()) {
            throw ApiException.badRequest("model: Input should be a valid string", "model");
        }
        models.resolveLora(modelNode == null || modelNode.isNull() ? null : modelNode.asText());
        int[] prompt = chat ? chatPrompt(body) : completionPrompt(body);
        if (prompt.length == 0) {
            throw ApiException.badRequest("The prompt cannot be empty.", chat ? "messages" : "prompt");
        }
        return prompt;
    }

    private void checkContext(int promptLen, Integer maxTokens) {
        if (maxTokens == null) {
            if (promptLen >= maxModelLen) {
                throw ApiException.badRequest("This model's maximum context length is " + maxModelLen
                        + " tokens. However, your request has " + promptLen
                        + " input tokens. Please reduce the length of the input messages.");
            }
        } else if ((long) promptLen + maxTokens > maxModelLen) {
            throw ApiException.badRequest("This model's maximum context length is " + maxModelLen
                    + " tokens. However, you requested " + ((long) promptLen + maxTokens) + " tokens (" + promptLen
                    + " in the messages, " + maxTokens
                    + " in the completion). Please reduce the length of the messages or completion.");
        }
    }

    private int[] completionPrompt(JsonNode body) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            throw ApiException.badRequest("prompt: Field required", "prompt");
        }
        if (p.isTextual()) {
            return tokenizer.encode(p.asText());
        }
        if (p.isArray()) {
            if (p.size() == 0) {
                throw ApiException.badRequest("The prompt cannot be empty.", "prompt");
            }
            JsonNode first = p.get(0);
            if (first.isIntegralNumber()) {
                return tokenIds(p, tokenizer.vocabSize());
            }
            if (p.size() != 1) {
                throw ApiException.badRequest("Batched prompts are not supported by the simulator; send one prompt.",
                        "prompt");
            }
            if (first.isTextual()) {
                return tokenizer.encode(first.asText());
            }
            if (first.isArray()) {
                return tokenIds(first, tokenizer.vocabSize());
            }
        }
        throw ApiException.badRequest("prompt: Input should be a valid string or a list of token ids", "prompt");
    }

    /** Token ids as given, checked against a vocabulary of {@code vocabSize} ids. */
    public static int[] tokenIds(JsonNode arr, int vocabSize) {
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = arr.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0
                    || t.asInt() >= vocabSize) {
                throw ApiException.badRequest("Token id " + t + " is out of vocabulary", "prompt");
            }
            ids[i] = t.asInt();
        }
        return ids;
    }

    private int[] chatPrompt(JsonNode body) {
        return tokenizer.encode(renderChat(body.get("messages"), !body.has("add_generation_prompt")
                || optBool(body, "add_generation_prompt")));
    }

    /**
     * A simple chat template, "role: content" per line: deterministic, and a conversation that grows keeps its
     * earlier turns as a token prefix, which is what prefix caching relies on.
     */
    public static String renderChat(JsonNode messages, boolean addGenerationPrompt) {
        if (messages == null || !messages.isArray() || messages.size() == 0) {
            throw ApiException.badRequest("messages: Input should be a non-empty list", "messages");
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode m : messages) {
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw ApiException.badRequest("messages: each message needs a string 'role'", "messages");
            }
            sb.append(m.get("role").asText()).append(": ");
            JsonNode c = m.get("content");
            if (c == null || c.isNull()) {
                // assistant turns with tool calls only have no content
            } else if (c.isTextual()) {
                sb.append(c.asText());
            } else if (c.isArray()) {
                for (Iterator<JsonNode> it = c.elements(); it.hasNext();) {
                    JsonNode part = it.next();
                    if (!part.isObject() || !part.path("type").isTextual()) {
                        throw ApiException.badRequest("messages: content parts need a 'type'", "messages");
                    }
                    if (part.path("text").isTextual()) {
                        sb.append(part.get("text").asText());
                    }
                }
            } else {
                throw ApiException.badRequest("messages: content should be a string or a list of parts", "messages");
            }
            sb.append('\n');
        }
        if (addGenerationPrompt) {
            sb.append("assistant: ");
        }
        return sb.toString();
    }

    static Integer optInt(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber()) {
            throw ApiException.badRequest(field + ": Input should be a valid integer", field);
        }
        if (!v.canConvertToInt()) {
            // a huge count is never valid; clamp so that the context-length check reports it
            return v.bigIntegerValue().signum() < 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        }
        return v.asInt();
    }

    static boolean optBool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest(field + ": Input should be a valid boolean", field);
        }
        return v.asBoolean();
    }

    static String optString(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest(field + ": Input should be a valid string", field);
        }
        return v.asText();
    }
}
