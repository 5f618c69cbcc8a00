package io.quarkiverse.llmd.engine.request;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Extracts {@link Usage} from model-server responses, as llm-d's openai-parser does (reference 1.9).
 * <p>
 * The response {@code object} decides the field names: {@code response} and {@code conversation} use
 * {@code input_tokens}/{@code output_tokens}; {@code chat.completion}, {@code chat.completion.chunk} and
 * {@code text_completion} use {@code prompt_tokens}/{@code completion_tokens}; anything else tries the prompt names
 * first, then the input names. Cached tokens are read from {@code prompt_tokens_details.cached_tokens} (the OpenAI
 * and vLLM field), then from {@code prompt_token_details.cached_tokens} (the misspelt name llm-d reads, so that a
 * server imitating llm-d's expectation still works), then from {@code input_tokens_details.cached_tokens} (Responses
 * API). Counts may be numbers or numeric strings; fractions are truncated.
 * <p>
 * Only the top-level {@code object} and {@code usage} members are materialised; everything else (the generated text)
 * is skipped by the streaming parser. Never throws: unusable input yields an empty result. Thread-safe.
 */
public final class UsageParser {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final String[] INPUT_NAMES = { "input_tokens" };
    private static final String[] OUTPUT_NAMES = { "output_tokens" };
    private static final String[] PROMPT_NAMES = { "prompt_tokens" };
    private static final String[] COMPLETION_NAMES = { "completion_tokens" };
    private static final String[] ANY_INPUT_NAMES = { "prompt_tokens", "input_tokens" };
    private static final String[] ANY_OUTPUT_NAMES = { "completion_tokens", "output_tokens" };
    /** Correct OpenAI name, llm-d's misspelt name, Responses-API name. */
    private static final String[] DETAILS_NAMES = { "prompt_tokens_details", "prompt_token_details",
            "input_tokens_details" };

    private UsageParser() {
    }

    /** Usage of a non-streamed JSON response body, or empty when it has none. */
    public static Optional<Usage> fromJson(byte[] body) {
        if (body == null) {
            return Optional.empty();
        }
        return fromJson(body, 0, body.length);
    }

    /** Usage of a non-streamed JSON response held in {@code body[offset, offset+length)}. */
    public static Optional<Usage> fromJson(byte[] body, int offset, int length) {
        Found f = scan(body, offset, length);
        if (f == null || f.usage == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(fromUsageNode(f.usage, f.object));
    }

    /**
     * Usage in a block of Server-Sent Events: the first {@code data:} line (other than {@code [DONE]}) whose object
     * has a {@code usage} object, or a Responses-API {@code response.completed} event with {@code response.usage}.
     */
    public static Optional<Usage> fromSse(byte[] chunk) {
        if (chunk == null) {
            return Optional.empty();
        }
        int i = 0;
        int n = chunk.length;
        while (i < n) {
            int end = i;
            while (end < n && chunk[end] != '\n' && chunk[end] != '\r') {
                end++;
            }
            Usage u = fromSseLine(chunk, i, end - i);
            if (u != null) {
                return Optional.of(u);
            }
            i = end + 1;
        }
        return Optional.empty();
    }

    /** Same as {@link #fromSse(byte[])} for text. */
    public static Optional<Usage> fromSse(String chunk) {
        return chunk == null ? Optional.empty() : fromSse(chunk.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Usage of one SSE line (without its terminator), or null. Accepts {@code data:} with or without the space the
     * SSE spec makes optional.
     */
    static Usage fromSseLine(byte[] b, int off, int len) {
        if (len < DATA.length) {
            return null;
        }
        for (int k = 0; k < DATA.length; k++) {
            if (b[off + k] != DATA[k]) {
                return null;
            }
        }
        int start = off + DATA.length;
        int end = off + len;
        if (start < end && b[start] == ' ') {
            start++;
        }
        if (end - start == 6 && b[start] == '[' && b[start + 1] == 'D') {
            return null; // [DONE]
        }
        if (!containsUsageKey(b, start, end)) {
            return null; // cheap pre-check: most chunks carry only text deltas
        }
        Found f = scan(b, start, end - start);
        if (f == null) {
            return null;
        }
        if (f.usage != null) {
            return fromUsageNode(f.usage, f.object);
        }
        if ("response.completed".equals(f.type) && f.responseUsage != null) {
            return fromUsageNode(f.responseUsage, f.responseObject);
        }
        return null;
    }

    private static boolean containsUsageKey(byte[] b, int start, int end) {
        outer: for (int i = start; i + 7 <= end; i++) {
            if (b[i] != '"') {
                continue;
            }
            for (int k = 0; k < 6; k++) {
                if (b[i + 1 + k] != "usage\"".charAt(k)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Converts a {@code usage} object; null when it is not an object. */
    public static Usage fromUsageNode(JsonNode usage, String objectType) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        String[] in;
        String[] out;
        if ("response".equals(objectType) || "conversation".equals(objectType)) {
            in = INPUT_NAMES;
            out = OUTPUT_NAMES;
        } else if ("chat.completion".equals(objectType) || "chat.completion.chunk".equals(objectType)
                || "text_completion".equals(objectType)) {
            in = PROMPT_NAMES;
            out = COMPLETION_NAMES;
        } else {
            in = ANY_INPUT_NAMES;
            out = ANY_OUTPUT_NAMES;
        }
        long prompt = firstCount(usage, in);
        long completion = firstCount(usage, out);
        JsonNode total = usage.get("total_tokens");
        long totalTokens = total != null && !total.isNull() ? count(total) : prompt + completion;
        long cached = 0;
        for (String details : DETAILS_NAMES) {
            JsonNode d = usage.get(details);
            if (d != null && d.isObject() && d.has("cached_tokens") && !d.get("cached_tokens").isNull()) {
                cached = count(d.get("cached_tokens"));
                break;
            }
        }
        return new Usage(prompt, completion, totalTokens, cached);
    }

    private static long firstCount(JsonNode usage, String[] names) {
        for (String name : names) {
            JsonNode v = usage.get(name);
            if (v != null && !v.isNull()) {
                return count(v);
            }
        }
        return 0;
    }

    private static long count(JsonNode v) {
        double d;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        } else if (v.isNumber()) {
            d = v.doubleValue();
        } else if (v.isTextual()) {
            try {
                d = Double.parseDouble(v.textValue().trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        } else {
            return 0;
        }
        if (Double.isNaN(d)) {
            return 0;
        }
        return (long) d; // truncates, saturates at the long range
    }

    /** What a top-level scan found. */
    private static final class Found {
        String object;
        String type;
        JsonNode usage;
        String responseObject;
        JsonNode responseUsage;
    }

    private static Found scan(byte[] b, int off, int len) {
        try (JsonParser p = FACTORY.createParser(b, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Found f = new Found();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "object" -> f.object = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "type" -> f.type = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "usage" -> f.usage = v == JsonToken.START_OBJECT ? MAPPER.readTree(p) : skip(p);
                    case "response" -> {
                        if (v == JsonToken.START_OBJECT) {
                            scanResponse(p, f);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return t == JsonToken.END_OBJECT ? f : null;
        } catch (Exception e) {
            return null; // not JSON, truncated, or beyond parser limits: no usage
        }
    }

    private static void scanResponse(JsonParser p, Found f) throws java.io.IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("usage".equals(name) && v == JsonToken.START_OBJECT) {
                f.responseUsage = MAPPER.readTree(p);
            } else if ("object".equals(name) && v == JsonToken.VALUE_STRING) {
                f.responseObject = p.getText();
            } else {
                p.skipChildren();
            }
        }
    }

    private static JsonNode skip(JsonParser p) throws java.io.IOException {
        p.skipChildren();
        return null;
    }
}
