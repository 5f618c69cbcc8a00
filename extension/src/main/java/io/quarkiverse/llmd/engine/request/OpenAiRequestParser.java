package io.quarkiverse.llmd.engine.request;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.quarkiverse.llmd.engine.request.InvalidRequestException.Reason;

/**
 * Parses OpenAI-style request bodies the way llm-d's {@code openai-parser} does (reference 1.8, 1.9), and produces
 * the exact bytes llm-d hashes for approximate prefix matching (reference 3.5 step 2).
 * <p>
 * The API is chosen from the path suffix ({@code /conversations}, {@code /responses}, {@code /chat/completions},
 * {@code /completions}, {@code /embeddings}); without a path the {@code x-original-path} then
 * {@code x-forwarded-path} headers are used, and {@code /v1/completions} is the default. Unlike llm-d, a query string
 * and trailing slashes are ignored when matching.
 * <p>
 * The body is parsed once into a Jackson tree; validation mirrors Go's typed unmarshalling (a field of the wrong
 * JSON type refuses the request), and prefix bytes are written in one pass by {@link GoJsonWriter}. Deliberate
 * differences from llm-d: every chat message must carry a non-empty string {@code role} (vLLM refuses such messages
 * anyway); token ids must fit a signed 32-bit integer; completions and embeddings also accept an array of token-id
 * arrays; invalid UTF-8 inside strings is replaced by U+FFFD per byte, as Go's decoder does, instead of failing.
 * Known remaining differences, all on odd input: Go matches struct keys case-insensitively ({@code "Messages"} counts
 * as {@code messages} there, not here); Go refuses a body holding a number beyond the float64 range anywhere, this
 * parser only where it reads the value; an integer {@code -0} in free-form JSON is written {@code 0} here, {@code -0}
 * by Go.
 * <p>
 * Prefix bytes were checked byte for byte against Go's {@code encoding/json} on thousands of random bodies (see the
 * {@code go-prefix-vectors.tsv} test vectors). Strings are escaped HTML-safe as {@code json.Marshal} does
 * ({@code <}, {@code >}, {@code &} become <code>&#92;u003c</code>, <code>&#92;u003e</code>,
 * <code>&#92;u0026</code>), with Go 1.22+ escapes for backspace and form feed.
 * <p>
 * Every failure is an {@link InvalidRequestException}, whatever the input bytes. Stateless and thread-safe.
 */
public final class OpenAiRequestParser {

    /** Header carrying the client's request id. */
    public static final String REQUEST_ID_HEADER = "x-request-id";
    /** Header that overrides the model to route for. */
    public static final String MODEL_REWRITE_HEADER = RequestHeaders.MODEL_REWRITE;
    /** Default path when none is known, as in llm-d. */
    public static final String DEFAULT_PATH = "/v1/completions";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The API a request path targets, by suffix; {@link ApiType#COMPLETIONS} when nothing matches. */
    public static ApiType apiTypeOf(String path) {
        String p = normalizePath(path);
        if (p.endsWith("/conversations")) {
            return ApiType.CONVERSATIONS;
        }
        if (p.endsWith("/responses")) {
            return ApiType.RESPONSES;
        }
        if (p.endsWith("/chat/completions")) {
            return ApiType.CHAT_COMPLETIONS;
        }
        if (p.endsWith("/completions")) {
            return ApiType.COMPLETIONS;
        }
        if (p.endsWith("/embeddings")) {
            return ApiType.EMBEDDINGS;
        }
        return ApiType.COMPLETIONS;
    }

    /**
     * The request of an exchange that has no body (an ext_proc stream that ended with its headers): no model and an
     * empty prompt, so it is scheduled on load alone, as llm-d schedules such requests. The model is the rewrite
     * header's, if the route set one.
     */
    public InferenceRequest withoutBody(String path, Map<String, String> headers) {
        Map<String, String> h = lowerCaseKeys(headers);
        ApiType api = apiTypeOf(resolvePath(path, h));
        String rewrite = RequestHeaders.get(h, RequestHeaders.MODEL_REWRITE);
        String model = rewrite == null ? "" : rewrite;
        String requestId = h.get(REQUEST_ID_HEADER);
        if (requestId == null || requestId.isEmpty()) {
            requestId = randomUuid();
        }
        return new InferenceRequest(requestId, api, model, model, false, null, h,
                new RequestBody.Completions(new PromptInput.Text(""), null), new byte[0], false);
    }

    /**
     * Parses one request.
     *
     * @param path the request path ({@code :path}), or null to use the fallback headers
     * @param headers request headers; names in any case (they are lower-cased)
     * @param body the request body bytes (UTF-8 JSON)
     * @return the parsed request
     * @throws InvalidRequestException when the body must be refused with HTTP 400
     */
    public InferenceRequest parse(String path, Map<String, String> headers, byte[] body) {
        Map<String, String> h = lowerCaseKeys(headers);
        ApiType api = apiTypeOf(resolvePath(path, h));
        JsonNode root = readTree(body);
        if (!root.isObject()) {
            throw new InvalidRequestException(Reason.NOT_AN_OBJECT, null, "request body must be a JSON object");
        }

        JsonNode modelNode = root.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw new InvalidRequestException(Reason.MISSING_FIELD, "model", "field 'model' is required");
        }
        if (!modelNode.isTextual()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, "model", "field 'model' must be a string");
        }
        String model = modelNode.textValue();
        String cacheSalt = optionalString(root, "cache_salt");
        if (cacheSalt != null && cacheSalt.isEmpty()) {
            cacheSalt = null; // Go treats an empty salt as no salt
        }
        JsonNode streamNode = root.get("stream");
        boolean stream = streamNode != null && streamNode.isBoolean() && streamNode.booleanValue();

        String rewrite = RequestHeaders.get(h, RequestHeaders.MODEL_REWRITE);
        String targetModel = rewrite != null && !rewrite.isEmpty() ? rewrite : model;
        String requestId = h.get(REQUEST_ID_HEADER);
        if (requestId == null || requestId.isEmpty()) {
            requestId = randomUuid();
        }

        // The prefix text is at most about the body size; escaping can grow it a little.
        GoJsonWriter prefix = new GoJsonWriter(body.length + 16);
        RequestBody typed;
        boolean multimodal = false;
        switch (api) {
            case CHAT_COMPLETIONS -> {
                RequestBody.ChatCompletions chat = chat(root, cacheSalt);
                writeMessages(prefix, chat.messages());
                multimodal = chat.isMultimodal();
                typed = chat;
            }
            case COMPLETIONS -> {
                PromptInput prompt = promptInput(root, "prompt");
                prefix.utf8(prompt.plainText());
                typed = new RequestBody.Completions(prompt, cacheSalt);
            }
            case RESPONSES -> {
                RequestBody.Responses responses = responses(root, cacheSalt);
                writeResponses(prefix, responses);
                typed = responses;
            }
            case CONVERSATIONS -> {
                RequestBody.Conversations conversations = conversations(root, cacheSalt);
                writeItems(prefix, conversations.items());
                typed = conversations;
            }
            case EMBEDDINGS -> {
                PromptInput input = promptInput(root, "input");
                writePromptJson(prefix, input);
                typed = new RequestBody.Embeddings(input, cacheSalt);
            }
            default -> throw new IllegalStateException("unknown API " + api);
        }
        return new InferenceRequest(requestId, api, model, targetModel, stream, cacheSalt, h, typed,
                prefix.toByteArray(), multimodal);
    }

    // ---------------------------------------------------------------- body reading

    private static JsonNode readTree(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidRequestException(Reason.MALFORMED_JSON, null, "request body is empty");
        }
        if (body[0] == 0 || (body.length > 1 && body[1] == 0) || (body[0] & 0xFF) == 0xFE
                || (body[0] & 0xFF) == 0xFF) {
            // Jackson would auto-detect UTF-16/32; Go (and the model servers) only read UTF-8.
            throw new InvalidRequestException(Reason.MALFORMED_JSON, null, "request body must be UTF-8 JSON");
        }
        try {
            return readTreeOrThrow(body);
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof InvalidRequestException) && !Utf8Repair.isValid(body)) {
                // Go's decoder replaces each invalid byte inside strings with U+FFFD; do the same and try again.
                try {
                    return readTreeOrThrow(Utf8Repair.repair(body));
                } catch (IOException | RuntimeException again) {
                    throw malformed(again);
                }
            }
            throw malformed(e);
        }
    }

    private static JsonNode readTreeOrThrow(byte[] body) throws IOException {
        JsonNode root = MAPPER.readTree(body);
        if (root == null || root.isMissingNode()) {
            throw new InvalidRequestException(Reason.MALFORMED_JSON, null, "request body holds no JSON value");
        }
        return root;
    }

    private static InvalidRequestException malformed(Exception e) {
        if (e instanceof InvalidRequestException ire) {
            return ire;
        }
        if (e instanceof StreamConstraintsException sce) {
            return new InvalidRequestException(Reason.LIMIT_EXCEEDED, null,
                    "request body exceeds a parser limit: " + shorten(sce.getOriginalMessage()));
        }
        String detail = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getClass().getSimpleName();
        if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
            detail = detail + " (line " + jpe.getLocation().getLineNr() + ", column "
                    + jpe.getLocation().getColumnNr() + ")";
        }
        return new InvalidRequestException(Reason.MALFORMED_JSON, null,
                "request body is not valid JSON: " + shorten(detail));
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String first = nl >= 0 ? s.substring(0, nl) : s;
        return first.length() > 200 ? first.substring(0, 200) + "..." : first;
    }

    // ---------------------------------------------------------------- per API

    private static RequestBody.ChatCompletions chat(JsonNode root, String cacheSalt) {
        JsonNode messages = root.get("messages");
        if (messages == null || messages.isNull()) {
            throw new InvalidRequestException(Reason.MISSING_FIELD, "messages", "field 'messages' must be a non-empty array");
        }
        if (!messages.isArray()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, "messages", "field 'messages' must be a non-empty array");
        }
        if (messages.isEmpty()) {
            throw new InvalidRequestException(Reason.EMPTY_FIELD, "messages", "field 'messages' must be a non-empty array");
        }
        List<ChatMessage> list = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            list.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return new RequestBody.ChatCompletions(
                list,
                optionalArray(root, "tools"),
                optionalArray(root, "documents"),
                optionalString(root, "chat_template"),
                optionalObject(root, "chat_template_kwargs"),
                optionalBoolean(root, "add_generation_prompt"),
                optionalBoolean(root, "continue_final_message"),
                optionalBoolean(root, "return_assistant_tokens_mask"),
                cacheSalt);
    }

    private static ChatMessage message(JsonNode m, String path) {
        if (m == null || !m.isObject()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, path, "field '" + path + "' must be an object");
        }
        String role = optionalString(m, "role", path + ".role");
        if (role == null || role.isEmpty()) {
            throw new InvalidRequestException(Reason.MISSING_FIELD, path + ".role",
                    "field '" + path + ".role' must be a non-empty string");
        }
        JsonNode content = m.get("content");
        if (content == null || content.isNull()) {
            return new ChatMessage(role, "", null);
        }
        if (content.isTextual()) {
            return new ChatMessage(role, content.textValue(), null);
        }
        String contentPath = path + ".content";
        if (!content.isArray()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, contentPath,
                    "field '" + contentPath + "' must be a string or an array of content blocks");
        }
        List<ContentBlock> blocks = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            blocks.add(block(content.get(i), contentPath + "[" + i + "]"));
        }
        return new ChatMessage(role, "", blocks);
    }

    private static ContentBlock block(JsonNode b, String path) {
        if (b.isNull()) {
            return new ContentBlock("", "", "", "", "", ""); // Go decodes null into the zero block
        }
        if (!b.isObject()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, path, "field '" + path + "' must be an object");
        }
        String type = optionalString(b, "type", path + ".type");
        String text = optionalString(b, "text", path + ".text");
        JsonNode image = optionalObjectNode(b, "image_url", path);
        JsonNode audio = optionalObjectNode(b, "input_audio", path);
        JsonNode video = optionalObjectNode(b, "video_url", path);
        return new ContentBlock(type, text,
                image == null ? "" : optionalString(image, "url", path + ".image_url.url"),
                audio == null ? "" : optionalString(audio, "data", path + ".input_audio.data"),
                audio == null ? "" : optionalString(audio, "format", path + ".input_audio.format"),
                video == null ? "" : optionalString(video, "url", path + ".video_url.url"));
    }

    private static RequestBody.Responses responses(JsonNode root, String cacheSalt) {
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw new InvalidRequestException(Reason.MISSING_FIELD, "input", "field 'input' is required");
        }
        return new RequestBody.Responses(input, nonNull(root.get("instructions")), nonNull(root.get("tools")),
                cacheSalt);
    }

    private static RequestBody.Conversations conversations(JsonNode root, String cacheSalt) {
        JsonNode items = root.get("items");
        if (items == null || items.isNull()) {
            throw new InvalidRequestException(Reason.MISSING_FIELD, "items", "field 'items' must be a non-empty array");
        }
        if (!items.isArray()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, "items", "field 'items' must be a non-empty array");
        }
        if (items.isEmpty()) {
            throw new InvalidRequestException(Reason.EMPTY_FIELD, "items", "field 'items' must be a non-empty array");
        }
        List<ConversationItem> list = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String path = "items[" + i + "]";
            if (item.isNull()) {
                list.add(new ConversationItem("", "", null));
                continue;
            }
            if (!item.isObject()) {
                throw new InvalidRequestException(Reason.WRONG_TYPE, path, "field '" + path + "' must be an object");
            }
            list.add(new ConversationItem(optionalString(item, "type", path + ".type"),
                    optionalString(item, "role", path + ".role"), item.get("content")));
        }
        return new RequestBody.Conversations(list, optionalObject(root, "metadata"), cacheSalt);
    }

    private static PromptInput promptInput(JsonNode root, String field) {
        JsonNode node = root.get(field);
        String shape = "field '" + field
                + "' must be a non-empty string, array of strings, array of token ids or array of token-id arrays";
        if (node == null || node.isNull()) {
            throw new InvalidRequestException(Reason.MISSING_FIELD, field, shape);
        }
        PromptInput input;
        if (node.isTextual()) {
            input = new PromptInput.Text(node.textValue());
        } else if (!node.isArray()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, field, shape);
        } else if (node.isEmpty()) {
            input = new PromptInput.Texts(List.of());
        } else {
            JsonNode first = node.get(0);
            if (first.isTextual()) {
                List<String> texts = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    JsonNode e = node.get(i);
                    if (!e.isTextual()) {
                        throw new InvalidRequestException(Reason.WRONG_TYPE, field + "[" + i + "]",
                                "field '" + field + "[" + i + "]' must be a string like the other elements");
                    }
                    texts.add(e.textValue());
                }
                input = new PromptInput.Texts(texts);
            } else if (first.isNumber()) {
                input = new PromptInput.TokenIds(tokenIds(node, field));
            } else if (first.isArray()) {
                List<int[]> batches = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    JsonNode e = node.get(i);
                    if (!e.isArray()) {
                        throw new InvalidRequestException(Reason.WRONG_TYPE, field + "[" + i + "]",
                                "field '" + field + "[" + i + "]' must be an array of token ids like the other elements");
                    }
                    batches.add(tokenIds(e, field + "[" + i + "]"));
                }
                input = new PromptInput.TokenIdBatches(batches);
            } else {
                throw new InvalidRequestException(Reason.WRONG_TYPE, field + "[0]", shape);
            }
        }
        if (input.isEmpty()) {
            throw new InvalidRequestException(Reason.EMPTY_FIELD, field, shape);
        }
        return input;
    }

    private static int[] tokenIds(JsonNode array, String path) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = array.get(i);
            long id = -1;
            if (e.isIntegralNumber() && e.canConvertToLong()) {
                id = e.longValue();
            } else if (e.isFloatingPointNumber()) {
                double d = e.doubleValue();
                if (d == Math.rint(d) && d >= 0 && d <= Integer.MAX_VALUE) {
                    id = (long) d; // Go accepts 5.0 as token 5
                }
            } else if (!e.isNumber()) {
                throw new InvalidRequestException(Reason.WRONG_TYPE, path + "[" + i + "]",
                        "field '" + path + "[" + i + "]' must be a token id (an integer)");
            }
            if (id < 0 || id > Integer.MAX_VALUE) {
                throw new InvalidRequestException(Reason.INVALID_VALUE, path + "[" + i + "]",
                        "field '" + path + "[" + i + "]' must be a token id between 0 and 2147483647");
            }
            ids[i] = (int) id;
        }
        return ids;
    }

    // ---------------------------------------------------------------- prefix bytes

    /**
     * Chat: Go's {@code json.Marshal(messages)} of llm-d's typed messages: {@code {"role":…,"content":…}} where content
     * is the string, or the blocks as {@code {"type":…,"text":…,"image_url":{"url":…},"input_audio":{"data":…,
     * "format":…},"video_url":{"url":…}}} (text and the inner strings are omitted when empty; the three nested
     * objects are always present, because Go's {@code omitempty} never drops a struct).
     */
    static void writeMessages(GoJsonWriter w, List<ChatMessage> messages) {
        w.ascii('[');
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (i > 0) {
                w.ascii(',');
            }
            w.ascii('{');
            if (!m.role().isEmpty()) {
                w.ascii("\"role\":").string(m.role()).ascii(',');
            }
            w.ascii("\"content\":");
            if (m.blocks() == null) {
                w.string(m.text());
            } else {
                w.ascii('[');
                List<ContentBlock> blocks = m.blocks();
                for (int j = 0; j < blocks.size(); j++) {
                    if (j > 0) {
                        w.ascii(',');
                    }
                    writeBlock(w, blocks.get(j));
                }
                w.ascii(']');
            }
            w.ascii('}');
        }
        w.ascii(']');
    }

    private static void writeBlock(GoJsonWriter w, ContentBlock b) {
        w.ascii("{\"type\":").string(b.type());
        if (!b.text().isEmpty()) {
            w.ascii(",\"text\":").string(b.text());
        }
        w.ascii(",\"image_url\":{");
        if (!b.imageUrl().isEmpty()) {
            w.ascii("\"url\":").string(b.imageUrl());
        }
        w.ascii("},\"input_audio\":{");
        if (!b.audioData().isEmpty()) {
            w.ascii("\"data\":").string(b.audioData());
        }
        if (!b.audioFormat().isEmpty()) {
            if (!b.audioData().isEmpty()) {
                w.ascii(',');
            }
            w.ascii("\"format\":").string(b.audioFormat());
        }
        w.ascii("},\"video_url\":{");
        if (!b.videoUrl().isEmpty()) {
            w.ascii("\"url\":").string(b.videoUrl());
        }
        w.ascii("}}");
    }

    /** Responses: {@code [{"instructions":…},{"tools":…},{"input":…}]}, the first two only when present. */
    static void writeResponses(GoJsonWriter w, RequestBody.Responses r) {
        w.ascii('[');
        if (r.instructions() != null) {
            w.ascii("{\"instructions\":").any(r.instructions(), "instructions").ascii("},");
        }
        if (r.tools() != null) {
            w.ascii("{\"tools\":").any(r.tools(), "tools").ascii("},");
        }
        w.ascii("{\"input\":").any(r.input(), "input").ascii("}]");
    }

    /** Conversations: Go's encoding of llm-d's typed items {@code {"type","role","content"}}, each omitted when empty. */
    static void writeItems(GoJsonWriter w, List<ConversationItem> items) {
        w.ascii('[');
        for (int i = 0; i < items.size(); i++) {
            ConversationItem item = items.get(i);
            if (i > 0) {
                w.ascii(',');
            }
            w.ascii('{');
            boolean comma = false;
            if (!item.type().isEmpty()) {
                w.ascii("\"type\":").string(item.type());
                comma = true;
            }
            if (!item.role().isEmpty()) {
                if (comma) {
                    w.ascii(',');
                }
                w.ascii("\"role\":").string(item.role());
                comma = true;
            }
            if (item.content() != null) {
                if (comma) {
                    w.ascii(',');
                }
                w.ascii("\"content\":").any(item.content(), "items[" + i + "].content");
            }
            w.ascii('}');
        }
        w.ascii(']');
    }

    /** Embeddings: the JSON of the input value as sent (string, strings, ids or id batches). */
    static void writePromptJson(GoJsonWriter w, PromptInput input) {
        if (input instanceof PromptInput.Text t) {
            w.string(t.text());
        } else if (input instanceof PromptInput.Texts t) {
            w.ascii('[');
            for (int i = 0; i < t.texts().size(); i++) {
                if (i > 0) {
                    w.ascii(',');
                }
                w.string(t.texts().get(i));
            }
            w.ascii(']');
        } else if (input instanceof PromptInput.TokenIds t) {
            writeIds(w, t.ids());
        } else if (input instanceof PromptInput.TokenIdBatches t) {
            w.ascii('[');
            for (int i = 0; i < t.batches().size(); i++) {
                if (i > 0) {
                    w.ascii(',');
                }
                writeIds(w, t.batches().get(i));
            }
            w.ascii(']');
        }
    }

    private static void writeIds(GoJsonWriter w, int[] ids) {
        w.ascii('[');
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                w.ascii(',');
            }
            w.integer(ids[i]);
        }
        w.ascii(']');
    }

    // ---------------------------------------------------------------- helpers

    private static String resolvePath(String path, Map<String, String> headers) {
        if (path != null && !path.isEmpty()) {
            return path;
        }
        String p = headers.get("x-original-path");
        if (p != null && !p.isEmpty()) {
            return p;
        }
        p = headers.get("x-forwarded-path");
        if (p != null && !p.isEmpty()) {
            return p;
        }
        return DEFAULT_PATH;
    }

    private static String normalizePath(String path) {
        if (path == null) {
            return DEFAULT_PATH;
        }
        int end = path.length();
        int q = path.indexOf('?');
        if (q >= 0) {
            end = q;
        }
        int hash = path.indexOf('#');
        if (hash >= 0 && hash < end) {
            end = hash;
        }
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return end == path.length() ? path : path.substring(0, end);
    }

    private static Map<String, String> lowerCaseKeys(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Map.of();
        }
        boolean clean = true;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String k = e.getKey();
            if (k == null || e.getValue() == null || !k.equals(k.toLowerCase(Locale.ROOT))) {
                clean = false;
                break;
            }
        }
        if (clean) {
            return headers;
        }
        Map<String, String> copy = new HashMap<>(headers.size() * 2);
        headers.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(k.toLowerCase(Locale.ROOT), v);
            }
        });
        return copy;
    }

    private static String optionalString(JsonNode obj, String field) {
        return optionalString(obj, field, field);
    }

    private static String optionalString(JsonNode obj, String field, String path) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, path, "field '" + path + "' must be a string");
        }
        return n.textValue();
    }

    private static boolean optionalBoolean(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, field, "field '" + field + "' must be a boolean");
        }
        return n.booleanValue();
    }

    private static List<JsonNode> optionalArray(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, field, "field '" + field + "' must be an array");
        }
        List<JsonNode> list = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            list.add(e);
        }
        return list;
    }

    private static Map<String, JsonNode> optionalObject(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new InvalidRequestException(Reason.WRONG_TYPE, field, "field '" + field + "' must be an object");
        }
        Map<String, JsonNode> map = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            map.put(e.getKey(), e.getValue());
        }
        return map;
    }

    private static JsonNode optionalObjectNode(JsonNode obj, String field, String parentPath) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            String path = parentPath + "." + field;
            throw new InvalidRequestException(Reason.WRONG_TYPE, path, "field '" + path + "' must be an object");
        }
        return n;
    }

    private static JsonNode nonNull(JsonNode n) {
        return n == null || n.isNull() ? null : n;
    }

    /** A version-4 UUID from a non-blocking source: request ids need uniqueness, not unpredictability. */
    private static String randomUuid() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
