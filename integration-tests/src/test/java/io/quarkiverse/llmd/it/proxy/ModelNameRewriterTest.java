package io.quarkiverse.llmd.it.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.response.ModelNameRewriter;
import io.quarkiverse.llmd.runtime.proxy.OpenAiErrors;

/** Plain unit tests of the byte-level helpers of the response side (shared by the proxy and ext_proc). */
class ModelNameRewriterTest {

    private static String feed(ModelNameRewriter r, String text, int chunk) {
        StringBuilder out = new StringBuilder();
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += chunk) {
            boolean last = i + chunk >= b.length;
            out.append(new String(r.rewrite(java.util.Arrays.copyOfRange(b, i, Math.min(b.length, i + chunk)), last),
                    StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    @Test
    void rewritesBothSpellingsWhateverTheChunkBoundaries() {
        String in = "data: {\"id\":\"x\",\"model\":\"target-m\",\"choices\":[]}\n\n"
                + "data: {\"model\": \"target-m\",\"text\":\"model target-m\"}\n\ndata: [DONE]\n\n";
        String expected = in.replace("\"model\":\"target-m\"", "\"model\":\"alias\"")
                .replace("\"model\": \"target-m\"", "\"model\": \"alias\"");
        for (int chunk = 1; chunk <= in.length(); chunk++) {
            assertThat(feed(ModelNameRewriter.of("target-m", "alias"), in, chunk)).as("chunk %d", chunk)
                    .isEqualTo(expected);
        }
    }

    @Test
    void leavesOtherModelsAlone() {
        String in = "{\"model\":\"target-model-2\",\"x\":\"\\\"model\\\":\"}";
        assertThat(feed(ModelNameRewriter.of("target-model", "a"), in, 3)).isEqualTo(in);
    }

    @Test
    void errorBodiesAreOpenAiShaped() {
        assertThat(OpenAiErrors.json(429, "slow \"down\"", null)).isEqualTo(
                "{\"error\":{\"message\":\"slow \\\"down\\\"\",\"type\":\"RateLimitError\",\"param\":null,"
                        + "\"code\":429}}");
        assertThat(OpenAiErrors.sseErrorFrames(502, "gone").toString()).endsWith("\n\ndata: [DONE]\n\n")
                .startsWith("data: {\"error\":");
    }
}
