package io.quarkiverse.llmd.engine.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.request.InvalidRequestException.Reason;

class OpenAiRequestParserTest {

    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    private InferenceRequest parse(String path, String json) {
        return parser.parse(path, Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    private static String prefix(InferenceRequest r) {
        return new String(r.prefixInput(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ API selection, headers

    @Test
    void apiIsChosenByPathSuffix() {
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/chat/completions")).isEqualTo(ApiType.CHAT_COMPLETIONS);
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/completions")).isEqualTo(ApiType.COMPLETIONS);
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/responses")).isEqualTo(ApiType.RESPONSES);
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/conversations")).isEqualTo(ApiType.CONVERSATIONS);
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/embeddings")).isEqualTo(ApiType.EMBEDDINGS);
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/projects/p/locations/l/chat/completions"))
                .isEqualTo(ApiType.CHAT_COMPLETIONS);
        assertThat(OpenAiRequestParser.apiTypeOf("/v1/chat/completions/?x=1")).isEqualTo(ApiType.CHAT_COMPLETIONS);
        assertThat(OpenAiRequestParser.apiTypeOf("/health")).isEqualTo(ApiType.COMPLETIONS);
        assertThat(OpenAiRequestParser.apiTypeOf(null)).isEqualTo(ApiType.COMPLETIONS);
    }

    @Test
    void pathFallsBackToOriginalThenForwardedHeader() {
        byte[] chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(parser.parse(null, Map.of("X-Original-Path", "/v1/chat/completions"), chat).api())
                .isEqualTo(ApiType.CHAT_COMPLETIONS);
        assertThat(parser.parse("", Map.of("x-forwarded-path", "/v1/chat/completions"), chat).api())
                .isEqualTo(ApiType.CHAT_COMPLETIONS);
        byte[] completion = "{\"model\":\"m\",\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(parser.parse(null, Map.of(), completion).api()).isEqualTo(ApiType.COMPLETIONS);
    }

    @Test
    void requestIdModelRewriteStreamAndSalt() {
        Map<String, String> headers = new HashMap<>();
        headers.put("X-Request-Id", "req-42");
        headers.put("x-gateway-model-name-rewrite", "llama-lora-7");
        InferenceRequest r = parser.parse("/v1/completions", headers,
                "{\"model\":\"llama\",\"prompt\":\"hi\",\"stream\":true,\"cache_salt\":\"tenant-a\"}"
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(r.requestId()).isEqualTo("req-42");
        assertThat(r.model()).isEqualTo("llama");
        assertThat(r.targetModel()).isEqualTo("llama-lora-7");
        assertThat(r.stream()).isTrue();
        assertThat(r.cacheSalt()).isEqualTo("tenant-a");
        assertThat(r.body().cacheSalt()).isEqualTo("tenant-a");
        assertThat(r.header("x-request-id")).isEqualTo("req-42");

        InferenceRequest plain = parse("/v1/completions", "{\"model\":\"llama\",\"prompt\":\"hi\",\"stream\":\"yes\","
                + "\"cache_salt\":\"\"}");
        assertThat(plain.requestId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(plain.targetModel()).isEqualTo("llama");
        assertThat(plain.stream()).isFalse();
        assertThat(plain.cacheSalt()).isNull();
    }

    // ------------------------------------------------------------------ prefix bytes, per API

    @Test
    void completionsPrefixIsTheRawPromptText() {
        InferenceRequest r = parse("/v1/completions", "{\"model\":\"m\",\"prompt\":\"Hello <world> & \\\"you\\\"\"}");
        assertThat(prefix(r)).isEqualTo("Hello <world> & \"you\"");
        assertThat(r.body()).isEqualTo(new RequestBody.Completions(new PromptInput.Text("Hello <world> & \"you\""), null));
    }

    @Test
    void completionsStringArrayIsJoinedBySpaces() {
        InferenceRequest r = parse("/v1/completions", "{\"model\":\"m\",\"prompt\":[\"one\",\"two\",\"\",\"é\"]}");
        assertThat(prefix(r)).isEqualTo("one two  é");
        assertThat(r.prefixInput()).hasSize(11);
    }

    @Test
    void completionsTokenIdsHaveNoPrefixText() {
        InferenceRequest ids = parse("/v1/completions", "{\"model\":\"m\",\"prompt\":[1,2,3.0]}");
        assertThat(ids.prefixInput()).isEmpty();
        assertThat(((RequestBody.Completions) ids.body()).prompt()).isEqualTo(new PromptInput.TokenIds(new int[] { 1, 2, 3 }));
        InferenceRequest batches = parse("/v1/completions", "{\"model\":\"m\",\"prompt\":[[1,2],[3]]}");
        assertThat(batches.prefixInput()).isEmpty();
        assertThat(((RequestBody.Completions) batches.body()).prompt())
                .isEqualTo(new PromptInput.TokenIdBatches(List.of(new int[] { 1, 2 }, new int[] { 3 })));
    }

    @Test
    void chatPrefixIsGoJsonOfTypedMessages() {
        String body = """
                {"model":"m","messages":[
                  {"content":"You are <helpful> & kind","role":"system","name":"ignored"},
                  {"role":"user","content":[
                     {"type":"text","text":"Hi\\n"},
                     {"type":"image_url","image_url":{"url":"https://x/a.png?a=1&b=2","detail":"high"}},
                     {"type":"input_audio","input_audio":{"data":"QUJD","format":"wav"}},
                     {"type":"video_url","video_url":{"url":"v.mp4"}}]},
                  {"role":"assistant","content":null},
                  {"role":"user","content":[]}
                ]}""";
        InferenceRequest r = parse("/v1/chat/completions", body);
        assertThat(prefix(r)).isEqualTo("[{\"role\":\"system\",\"content\":\"You are \\u003chelpful\\u003e \\u0026 kind\"},"
                + "{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"Hi\\n\",\"image_url\":{},\"input_audio\":{},\"video_url\":{}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png?a=1\\u0026b=2\"},\"input_audio\":{},\"video_url\":{}},"
                + "{\"type\":\"input_audio\",\"image_url\":{},\"input_audio\":{\"data\":\"QUJD\",\"format\":\"wav\"},\"video_url\":{}},"
                + "{\"type\":\"video_url\",\"image_url\":{},\"input_audio\":{},\"video_url\":{\"url\":\"v.mp4\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"\"},"
                + "{\"role\":\"user\",\"content\":[]}]");
        assertThat(r.multimodal()).isTrue();
        assertThat(r.estimatedInputTokens()).isEqualTo(r.prefixInput().length / 4);
        RequestBody.ChatCompletions chat = (RequestBody.ChatCompletions) r.body();
        assertThat(chat.messages()).hasSize(4);
        assertThat(chat.messages().get(1).blocks().get(1).imageUrl()).isEqualTo("https://x/a.png?a=1&b=2");
        assertThat(chat.messages().get(1).blocks().get(2).audioFormat()).isEqualTo("wav");
    }

    @Test
    void chatEscapesControlAndSeparatorCharactersAsGoDoes() {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"a\\tb\\rc\\bd\\fe\\u0001f\\u007fg\\u2028h\\u2029i\\\\j\\\"k/l\\ud83d\\ude00m\\ud800n\"}]}";
        InferenceRequest r = parse("/v1/chat/completions", body);
        String expected = "[{\"role\":\"user\",\"content\":\"a\\tb\\rc\\bd\\fe\\u0001f\u007fg\\u2028h\\u2029i\\\\j\\\"k/l"
                + "\uD83D\uDE00m\uFFFDn\"}]";
        assertThat(prefix(r)).isEqualTo(expected);
        assertThat(r.multimodal()).isFalse();
    }

    @Test
    void chatKeepsTemplateFields() {
        InferenceRequest r = parse("/v1/chat/completions", """
                {"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}],
                 "documents":[{"title":"t"}],"chat_template":"{{x}}","chat_template_kwargs":{"enable_thinking":false},
                 "add_generation_prompt":true,"continue_final_message":false,"return_assistant_tokens_mask":true}""");
        RequestBody.ChatCompletions chat = (RequestBody.ChatCompletions) r.body();
        assertThat(chat.tools()).hasSize(1);
        assertThat(chat.documents()).hasSize(1);
        assertThat(chat.chatTemplate()).isEqualTo("{{x}}");
        assertThat(chat.chatTemplateKwargs().get("enable_thinking").booleanValue()).isFalse();
        assertThat(chat.addGenerationPrompt()).isTrue();
        assertThat(chat.continueFinalMessage()).isFalse();
        assertThat(chat.returnAssistantTokensMask()).isTrue();
        assertThat(chat.api()).isEqualTo(ApiType.CHAT_COMPLETIONS);
    }

    @Test
    void responsesPrefixListsInstructionsToolsAndInputWithSortedKeys() {
        String body = """
                {"model":"m","instructions":"Be <brief>","input":[{"role":"user","content":"a&b"}],
                 "tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{
                    "b":{"type":"number","maximum":1e21,"default":1.50},"a":{"type":"integer","minimum":0.000001,"x":1e-7}}}}]}""";
        InferenceRequest r = parse("/v1/responses", body);
        assertThat(prefix(r)).isEqualTo("[{\"instructions\":\"Be \\u003cbrief\\u003e\"},"
                + "{\"tools\":[{\"name\":\"f\",\"parameters\":{\"properties\":{"
                + "\"a\":{\"minimum\":0.000001,\"type\":\"integer\",\"x\":1e-7},"
                + "\"b\":{\"default\":1.5,\"maximum\":1e+21,\"type\":\"number\"}},\"type\":\"object\"},\"type\":\"function\"}]},"
                + "{\"input\":[{\"content\":\"a\\u0026b\",\"role\":\"user\"}]}]");
    }

    @Test
    void responsesWithoutInstructionsOrToolsHasOnlyInput() {
        InferenceRequest r = parse("/v1/responses", "{\"model\":\"m\",\"input\":\"Tell me\",\"instructions\":null}");
        assertThat(prefix(r)).isEqualTo("[{\"input\":\"Tell me\"}]");
        assertThat(((RequestBody.Responses) r.body()).instructions()).isNull();
    }

    @Test
    void conversationsPrefixIsGoJsonOfTypedItems() {
        String body = """
                {"model":"m","items":[
                  {"id":"i1","type":"message","role":"user","content":[{"type":"input_text","text":"Hello"}]},
                  {"type":"message","role":"assistant"},
                  {"role":"user","content":""},
                  null],
                 "metadata":{"topic":"demo"}}""";
        InferenceRequest r = parse("/v1/conversations", body);
        assertThat(prefix(r)).isEqualTo("[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"text\":\"Hello\",\"type\":\"input_text\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\"},"
                + "{\"role\":\"user\",\"content\":\"\"},"
                + "{}]");
        RequestBody.Conversations c = (RequestBody.Conversations) r.body();
        assertThat(c.items()).hasSize(4);
        assertThat(c.metadata().get("topic").textValue()).isEqualTo("demo");
    }

    @Test
    void embeddingsPrefixIsJsonOfInput() {
        assertThat(prefix(parse("/v1/embeddings", "{\"model\":\"e\",\"input\":\"a <b>\"}"))).isEqualTo("\"a \\u003cb\\u003e\"");
        assertThat(prefix(parse("/v1/embeddings", "{\"model\":\"e\",\"input\":[\"a\",\"b & c\"]}")))
                .isEqualTo("[\"a\",\"b \\u0026 c\"]");
        assertThat(prefix(parse("/v1/embeddings", "{\"model\":\"e\",\"input\":[1,2,3]}"))).isEqualTo("[1,2,3]");
        assertThat(prefix(parse("/v1/embeddings", "{\"model\":\"e\",\"input\":[[1,2],[3]]}"))).isEqualTo("[[1,2],[3]]");
    }

    @Test
    void invalidUtf8InsideStringsBecomesReplacementCharacters() {
        byte[] head = "{\"model\":\"m\",\"prompt\":\"a".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "b\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC3; // truncated 2-byte sequence
        body[head.length + 1] = (byte) 0xFF; // never valid
        System.arraycopy(tail, 0, body, head.length + 2, tail.length);
        InferenceRequest r = parser.parse("/v1/completions", Map.of(), body);
        assertThat(prefix(r)).isEqualTo("a\uFFFD\uFFFDb");
    }

    // ------------------------------------------------------------------ validation errors

    private void assertRefused(String path, String json, Reason reason, String field, String messagePart) {
        assertThatThrownBy(() -> parse(path, json))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.httpStatus()).isEqualTo(400);
                })
                .hasMessageContaining(messagePart);
    }

    @Test
    void bodyLevelErrors() {
        assertRefused("/v1/completions", "", Reason.MALFORMED_JSON, null, "empty");
        assertRefused("/v1/completions", "   ", Reason.MALFORMED_JSON, null, "no JSON value");
        assertRefused("/v1/completions", "[1]", Reason.NOT_AN_OBJECT, null, "must be a JSON object");
        assertRefused("/v1/completions", "\"x\"", Reason.NOT_AN_OBJECT, null, "must be a JSON object");
        assertRefused("/v1/completions", "{\"model\":\"m\",", Reason.MALFORMED_JSON, null, "not valid JSON");
        assertRefused("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\"} {}", Reason.MALFORMED_JSON, null, "not valid JSON");
        assertRefused("/v1/completions", "{'model':'m'}", Reason.MALFORMED_JSON, null, "not valid JSON");
        assertRefused("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",}", Reason.MALFORMED_JSON, null, "not valid JSON");
        assertRefused("/v1/completions", "{\"prompt\":\"x\"}", Reason.MISSING_FIELD, "model", "field 'model' is required");
        assertRefused("/v1/completions", "{\"model\":null,\"prompt\":\"x\"}", Reason.MISSING_FIELD, "model", "'model'");
        assertRefused("/v1/completions", "{\"model\":7,\"prompt\":\"x\"}", Reason.WRONG_TYPE, "model", "field 'model' must be a string");
        assertRefused("/v1/completions", "{\"model\":[\"m\"],\"prompt\":\"x\"}", Reason.WRONG_TYPE, "model", "must be a string");
        assertRefused("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",\"cache_salt\":5}", Reason.WRONG_TYPE,
                "cache_salt", "field 'cache_salt' must be a string");
    }

    @Test
    void chatErrors() {
        String p = "/v1/chat/completions";
        assertRefused(p, "{\"model\":\"m\"}", Reason.MISSING_FIELD, "messages", "field 'messages' must be a non-empty array");
        assertRefused(p, "{\"model\":\"m\",\"messages\":{}}", Reason.WRONG_TYPE, "messages", "field 'messages' must be a non-empty array");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[]}", Reason.EMPTY_FIELD, "messages", "field 'messages' must be a non-empty array");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[5]}", Reason.WRONG_TYPE, "messages[0]", "must be an object");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[null]}", Reason.WRONG_TYPE, "messages[0]", "must be an object");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"content\":\"x\"}]}",
                Reason.MISSING_FIELD, "messages[1].role", "field 'messages[1].role' must be a non-empty string");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"\",\"content\":\"x\"}]}", Reason.MISSING_FIELD,
                "messages[0].role", "non-empty string");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":1,\"content\":\"x\"}]}", Reason.WRONG_TYPE,
                "messages[0].role", "must be a string");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":5}]}", Reason.WRONG_TYPE,
                "messages[0].content", "must be a string or an array of content blocks");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":{\"text\":\"x\"}}]}",
                Reason.WRONG_TYPE, "messages[0].content", "content blocks");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[\"x\"]}]}", Reason.WRONG_TYPE,
                "messages[0].content[0]", "must be an object");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":7}]}]}",
                Reason.WRONG_TYPE, "messages[0].content[0].type", "must be a string");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":[]}]}]}",
                Reason.WRONG_TYPE, "messages[0].content[0].text", "must be a string");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"u\"}]}]}",
                Reason.WRONG_TYPE, "messages[0].content[0].image_url", "must be an object");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":1}}]}]}",
                Reason.WRONG_TYPE, "messages[0].content[0].image_url.url", "must be a string");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":{}}",
                Reason.WRONG_TYPE, "tools", "field 'tools' must be an array");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"chat_template_kwargs\":[]}",
                Reason.WRONG_TYPE, "chat_template_kwargs", "must be an object");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"add_generation_prompt\":\"yes\"}",
                Reason.WRONG_TYPE, "add_generation_prompt", "must be a boolean");
        assertRefused(p, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"chat_template\":1}",
                Reason.WRONG_TYPE, "chat_template", "must be a string");
    }

    @Test
    void completionsAndEmbeddingsErrors() {
        String p = "/v1/completions";
        assertRefused(p, "{\"model\":\"m\"}", Reason.MISSING_FIELD, "prompt", "field 'prompt' must be a non-empty string");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":null}", Reason.MISSING_FIELD, "prompt", "'prompt'");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":\"\"}", Reason.EMPTY_FIELD, "prompt", "non-empty");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[]}", Reason.EMPTY_FIELD, "prompt", "non-empty");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[[],[]]}", Reason.EMPTY_FIELD, "prompt", "non-empty");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":{}}", Reason.WRONG_TYPE, "prompt", "array of token ids");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":42}", Reason.WRONG_TYPE, "prompt", "'prompt'");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[true]}", Reason.WRONG_TYPE, "prompt[0]", "'prompt'");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[\"a\",1]}", Reason.WRONG_TYPE, "prompt[1]", "must be a string");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[1,\"a\"]}", Reason.WRONG_TYPE, "prompt[1]", "token id");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[1,-2]}", Reason.INVALID_VALUE, "prompt[1]", "between 0 and 2147483647");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[1.5]}", Reason.INVALID_VALUE, "prompt[0]", "token id");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[4294967296]}", Reason.INVALID_VALUE, "prompt[0]", "token id");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[123456789012345678901234567890]}", Reason.INVALID_VALUE, "prompt[0]", "token id");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[[1],2]}", Reason.WRONG_TYPE, "prompt[1]", "array of token ids");
        assertRefused(p, "{\"model\":\"m\",\"prompt\":[[1],[\"a\"]]}", Reason.WRONG_TYPE, "prompt[1][0]", "token id");
        assertRefused("/v1/embeddings", "{\"model\":\"m\"}", Reason.MISSING_FIELD, "input", "field 'input'");
        assertRefused("/v1/embeddings", "{\"model\":\"m\",\"input\":\"\"}", Reason.EMPTY_FIELD, "input", "field 'input'");
    }

    @Test
    void responsesAndConversationsErrors() {
        assertRefused("/v1/responses", "{\"model\":\"m\"}", Reason.MISSING_FIELD, "input", "field 'input' is required");
        assertRefused("/v1/responses", "{\"model\":\"m\",\"input\":null}", Reason.MISSING_FIELD, "input", "'input'");
        assertRefused("/v1/responses", "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"max\":1e400}]}", Reason.INVALID_VALUE,
                "tools", "does not fit a 64-bit float");
        String p = "/v1/conversations";
        assertRefused(p, "{\"model\":\"m\"}", Reason.MISSING_FIELD, "items", "field 'items' must be a non-empty array");
        assertRefused(p, "{\"model\":\"m\",\"items\":[]}", Reason.EMPTY_FIELD, "items", "non-empty array");
        assertRefused(p, "{\"model\":\"m\",\"items\":\"x\"}", Reason.WRONG_TYPE, "items", "non-empty array");
        assertRefused(p, "{\"model\":\"m\",\"items\":[5]}", Reason.WRONG_TYPE, "items[0]", "must be an object");
        assertRefused(p, "{\"model\":\"m\",\"items\":[{\"role\":5}]}", Reason.WRONG_TYPE, "items[0].role", "must be a string");
        assertRefused(p, "{\"model\":\"m\",\"items\":[{\"role\":\"user\"}],\"metadata\":[]}", Reason.WRONG_TYPE,
                "metadata", "must be an object");
    }

    @Test
    void limitsAndEncodings() {
        String deep = "{\"model\":\"m\",\"input\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        assertThatThrownBy(() -> parse("/v1/responses", deep)).isInstanceOfSatisfying(InvalidRequestException.class,
                e -> assertThat(e.reason()).isIn(Reason.LIMIT_EXCEEDED, Reason.MALFORMED_JSON));
        byte[] utf16 = "{\"model\":\"m\",\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_16);
        assertThatThrownBy(() -> parser.parse("/v1/completions", Map.of(), utf16))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("UTF-8");
        byte[] utf16le = "{\"model\":\"m\",\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_16LE);
        assertThatThrownBy(() -> parser.parse("/v1/completions", Map.of(), utf16le))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> parser.parse("/v1/completions", Map.of(), null))
                .isInstanceOf(InvalidRequestException.class);
        String hugeNumber = "{\"model\":\"m\",\"prompt\":[" + "9".repeat(2000) + "]}";
        assertThatThrownBy(() -> parse("/v1/completions", hugeNumber)).isInstanceOf(InvalidRequestException.class);
    }

    // ------------------------------------------------------------------ robustness

    private static final String[] SEEDS = {
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}],\"stream\":true}",
            "{\"model\":\"m\",\"prompt\":[[1,2],[3]],\"cache_salt\":\"s\"}",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"x\"}],\"instructions\":{\"a\":[1.5e3,null,true]},\"tools\":[]}",
            "{\"model\":\"m\",\"items\":[{\"type\":\"message\",\"role\":\"user\",\"content\":{\"k\":-0.0}}]}",
            "{\"model\":\"m\",\"input\":[\"a\",\"b\"]}" };
    private static final String[] PATHS = { "/v1/chat/completions", "/v1/completions", "/v1/responses",
            "/v1/conversations", "/v1/embeddings" };

    private void mustNotFailUnexpectedly(String path, byte[] body) {
        try {
            InferenceRequest r = parser.parse(path, Map.of(), body);
            assertThat(r.prefixInput()).isNotNull();
        } catch (InvalidRequestException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            assertThat(expected.reason()).isNotNull();
        }
    }

    @Test
    void everyTruncationAndMutationIsEitherParsedOrRefusedCleanly() {
        Random random = new Random(7);
        for (int s = 0; s < SEEDS.length; s++) {
            byte[] seed = SEEDS[s].getBytes(StandardCharsets.UTF_8);
            for (String path : PATHS) {
                // the untouched seed parses on its own path
                for (int cut = 0; cut <= seed.length; cut++) {
                    mustNotFailUnexpectedly(path, java.util.Arrays.copyOf(seed, cut));
                }
            }
            assertThat(parser.parse(PATHS[s], Map.of(), seed).api().pathSuffix()).isEqualTo(PATHS[s].substring(3));
            for (int round = 0; round < 400; round++) {
                byte[] m = seed.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    m[random.nextInt(m.length)] = (byte) random.nextInt(256);
                }
                mustNotFailUnexpectedly(PATHS[s], m);
            }
        }
        for (int round = 0; round < 300; round++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            mustNotFailUnexpectedly(PATHS[round % PATHS.length], garbage);
        }
    }

    @Test
    void wrongTypesAndNullsEverywhereAreRefusedCleanly() {
        String[] values = { "null", "true", "1", "-1", "1e999", "\"s\"", "[]", "{}", "[null]", "[{}]", "[[]]",
                "[{\"role\":null}]", "[{\"role\":\"u\",\"content\":[null]}]" };
        String[] fields = { "model", "messages", "prompt", "input", "items", "instructions", "tools", "documents",
                "chat_template", "chat_template_kwargs", "cache_salt", "stream", "metadata" };
        for (String path : PATHS) {
            for (String field : fields) {
                for (String value : values) {
                    String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"u\",\"content\":\"c\"}],\"prompt\":\"p\","
                            + "\"input\":\"i\",\"items\":[{}],\"" + field + "\":" + value + "}";
                    mustNotFailUnexpectedly(path, body.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }
}
