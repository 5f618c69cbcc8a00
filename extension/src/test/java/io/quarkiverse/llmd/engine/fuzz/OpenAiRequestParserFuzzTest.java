package io.quarkiverse.llmd.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;

/**
 * Any body on any API path either parses or is refused with {@link InvalidRequestException} (HTTP 400); nothing
 * else escapes, and what the parser keeps stays proportional to the body.
 */
class OpenAiRequestParserFuzzTest {

    private static final String[] PATHS = { "/v1/completions", "/v1/chat/completions", "/v1/responses",
            "/v1/conversations", "/v1/embeddings", "/v1/models", "/", "", "/v1/chat/completions?x=/v1/completions" };
    private static final String[] HEADERS = { "x-request-id", "x-original-path", "x-forwarded-path",
            "x-gateway-model-name-rewrite", "x-llm-d-model-name-rewrite", "content-type" };

    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    @FuzzTest(maxDuration = "15s")
    @DictionaryEntries({ "{\"model\":\"m\",", "\"prompt\":", "\"messages\":[", "{\"role\":\"user\",",
            "\"content\":", "\"type\":\"text\"", "\"text\":", "\"image_url\"", "\"input\":", "\"items\":",
            "\"stream\":true", "\"cache_salt\":", "\"tools\":", "\"max_tokens\":", "\\u0000", "\\ud800",
            "null", "[]", "{}" })
    void parse(FuzzedDataProvider data) {
        String path = data.consumeBoolean() ? data.pickValue(PATHS) : data.consumeString(64);
        Map<String, String> headers = new HashMap<>();
        int n = data.consumeInt(0, 3);
        for (int i = 0; i < n; i++) {
            headers.put(data.pickValue(HEADERS), data.consumeString(64));
        }
        byte[] body = data.consumeRemainingAsBytes();
        InferenceRequest request;
        try {
            request = parser.parse(data.consumeBoolean() ? null : path, headers, body);
        } catch (InvalidRequestException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(request.model()).isNotNull();
        assertThat(request.targetModel()).isNotNull();
        assertThat(request.api()).isNotNull();
        // bounded allocation: the bytes kept for prefix hashing grow with the body, not beyond
        assertThat((long) request.prefixInput().length).isLessThanOrEqualTo(16L * body.length + 4096);
    }
}
