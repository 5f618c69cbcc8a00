package io.quarkiverse.llmd.it.pd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
import io.quarkiverse.llmd.runtime.pd.PdRequests;
import io.vertx.core.json.JsonObject;

/** The NIXL v2 request bodies, as llm-d's sidecar builds them. */
class PdRequestsTest {

    private static JsonObject json(byte[] b) {
        return new JsonObject(new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void prefillBodyAsksForOneTokenWithoutStreaming() {
        byte[] original = "{\"model\":\"m\",\"messages\":[],\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":100,\"temperature\":0.5}"
                .getBytes(StandardCharsets.UTF_8);
        JsonObject p = json(PdRequests.prefillBody(original, false));
        assertThat(p.getBoolean("stream")).isFalse();
        assertThat(p.containsKey("stream_options")).isFalse();
        assertThat(p.getInteger("max_tokens")).isEqualTo(1);
        assertThat(p.getInteger("max_completion_tokens")).isEqualTo(1);
        assertThat(p.getDouble("temperature")).isEqualTo(0.5);
        JsonObject kv = p.getJsonObject("kv_transfer_params");
        assertThat(kv.getMap()).containsEntry("do_remote_decode", true).containsEntry("do_remote_prefill", false)
                .containsKeys("remote_engine_id", "remote_block_ids", "remote_host", "remote_port");
        assertThat(kv.getValue("remote_host")).isNull();

        JsonObject r = json(PdRequests.prefillBody("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":9}"
                .getBytes(StandardCharsets.UTF_8), true));
        assertThat(r.getInteger("max_output_tokens")).isEqualTo(1);
        assertThat(r.containsKey("max_tokens")).isFalse();
    }

    @Test
    void decodeBodyIsTheOriginalPlusTheReturnedParameters() {
        byte[] original = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":100}".getBytes(StandardCharsets.UTF_8);
        var kv = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("do_remote_prefill", true)
                .put("remote_engine_id", "e1").put("future_field", 7);
        JsonObject d = json(PdRequests.decodeBody(original, kv));
        assertThat(d.getBoolean("stream")).isTrue();
        assertThat(d.getInteger("max_tokens")).isEqualTo(100);
        assertThat(d.getJsonObject("kv_transfer_params").getInteger("future_field")).isEqualTo(7);
    }

    @Test
    void prefillCachedTokensAreAddedToTheUsage() {
        byte[] resp = "{\"usage\":{\"prompt_tokens\":40,\"prompt_tokens_details\":{\"cached_tokens\":16}}}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(json(PdRequests.addCachedTokens(resp, 32)).getJsonObject("usage")
                .getJsonObject("prompt_tokens_details").getInteger("cached_tokens")).isEqualTo(48);
        byte[] none = "{\"usage\":{\"prompt_tokens\":40,\"prompt_tokens_details\":null}}".getBytes(
                StandardCharsets.UTF_8);
        assertThat(json(PdRequests.addCachedTokens(none, 32)).getJsonObject("usage")
                .getJsonObject("prompt_tokens_details").getInteger("cached_tokens")).isEqualTo(32);
    }

    @Test
    void streamedUsageGetsThePrefillCachedTokensWhateverTheChunking() {
        String sse = "data: {\"choices\":[{\"text\":\"a\"}],\"usage\":null}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":2,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\ndata: [DONE]\n\n";
        for (int chunk = 1; chunk <= sse.length(); chunk += 7) {
            io.quarkiverse.llmd.runtime.pd.SseUsageRewriter r = new io.quarkiverse.llmd.runtime.pd.SseUsageRewriter(32);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < sse.length(); i += chunk) {
                out.append(r.apply(io.vertx.core.buffer.Buffer.buffer(sse.substring(i, Math.min(sse.length(),
                        i + chunk)))).toString());
            }
            out.append(r.flush().toString());
            String s = out.toString();
            assertThat(s).startsWith("data: {\"choices\":[{\"text\":\"a\"}],\"usage\":null}\n\n")
                    .endsWith("\n\ndata: [DONE]\n\n").contains("\"cached_tokens\":32");
        }
    }

    @Test
    void hostPortParsing() {
        assertThat(EndpointAddress.parse("10.0.0.1:8000")).isEqualTo(new EndpointAddress("10.0.0.1", 8000));
        assertThat(EndpointAddress.parse("[fd00::1]:8000")).isEqualTo(new EndpointAddress("fd00::1", 8000));
        assertThat(EndpointAddress.parse("fd00::1")).isEqualTo(new EndpointAddress("fd00::1", -1));
        assertThat(EndpointAddress.parse("pod")).isEqualTo(new EndpointAddress("pod", -1));
    }
}
