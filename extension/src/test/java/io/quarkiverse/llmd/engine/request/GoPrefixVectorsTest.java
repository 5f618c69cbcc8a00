package io.quarkiverse.llmd.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Checks the prefix bytes against vectors that Go's {@code encoding/json} produced from random request bodies (strings
 * full of HTML characters, separators, controls, emoji and lone BMP private-use characters; numbers of every
 * magnitude; nested free-form JSON), using Go types shaped like llm-d's request types.
 */
class GoPrefixVectorsTest {

    private static final Map<String, String> PATHS = Map.of("chat", "/v1/chat/completions", "responses",
            "/v1/responses", "conversations", "/v1/conversations", "embeddings", "/v1/embeddings");

    @Test
    void prefixBytesMatchGoByteForByte() throws IOException {
        String text;
        try (InputStream in = getClass().getResourceAsStream("go-prefix-vectors.tsv")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        OpenAiRequestParser parser = new OpenAiRequestParser();
        int checked = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            byte[] body = Base64.getDecoder().decode(cols[1]);
            byte[] expected = Base64.getDecoder().decode(cols[2]);
            InferenceRequest r = parser.parse(PATHS.get(cols[0]), Map.of(), body);
            assertThat(r.prefixInput())
                    .as("%s body %s", cols[0], new String(body, StandardCharsets.UTF_8))
                    .isEqualTo(expected);
            checked++;
        }
        assertThat(checked).isEqualTo(160);
    }
}
