package io.quarkiverse.llmd.simulator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** Every error path answers vLLM's JSON error shape with the right status, and no input breaks the pod. */
class ErrorPathsTest {

    static SimulatedFleet fleet;
    static URI base;

    @BeforeAll
    static void start() {
        fleet = SimulatedFleet.start(SimulatorConfig.builder("m").port(0).hardware(SimHttp.FAST).maxModelLen(100)
                .maxBodyBytes(64 * 1024).build());
        base = fleet.baseUris().get(0);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static JsonNode assertError(SimHttp.Resp r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonNode e = r.json().get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.get("message").isTextual()).isTrue();
        assertThat(e.get("type").isTextual()).isTrue();
        assertThat(e.has("param")).isTrue();
        assertThat(e.get("code").asInt()).isEqualTo(status);
        return e;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{not json",
            "[]",
            "42",
            "{\"prompt\":12}",
            "{\"prompt\":\"a\",\"max_tokens\":\"5\"}",
            "{\"prompt\":\"a\",\"max_tokens\":0}",
            "{\"prompt\":\"a\",\"max_tokens\":-7}",
            "{\"prompt\":\"a\",\"max_tokens\":1e30}",
            "{\"prompt\":\"a\",\"max_tokens\":2.5}",
            "{\"prompt\":\"a\",\"max_tokens\":99999999999999999999999}",
            "{\"prompt\":\"a\",\"stream\":\"yes\"}",
            "{\"prompt\":\"a\",\"stream_options\":{\"include_usage\":true}}",
            "{\"prompt\":\"a\",\"n\":2}",
            "{\"prompt\":\"a\",\"temperature\":\"hot\"}",
            "{\"prompt\":\"a\",\"cache_salt\":\"\"}",
            "{\"prompt\":\"a\",\"cache_salt\":5}",
            "{\"prompt\":\"a\",\"seed\":\"x\"}",
            "{\"prompt\":\"a\",\"ignore_eos\":1}",
            "{\"prompt\":\"\"}",
            "{\"prompt\":[]}",
            "{\"prompt\":[-1]}",
            "{\"prompt\":[5000000000]}",
            "{\"prompt\":[\"a\",\"b\"]}",
            "{\"prompt\":{\"a\":1}}",
            "{\"max_tokens\":3}",
            "{\"model\":5,\"prompt\":\"a\"}",
            "{\"prompt\":\"a\",\"kv_transfer_params\":\"x\"}",
            "{\"prompt\":\"a\",\"stream\":true,\"kv_transfer_params\":{\"do_remote_decode\":true}}",
            "{\"prompt\":\"a\",\"max_tokens\":100}", })
    void completionsRejectsBadBodiesWith400(String body) {
        assertError(SimHttp.post(base, "/v1/completions", body), 400);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"messages\":[]}",
            "{\"messages\":\"hi\"}",
            "{\"messages\":[{\"content\":\"no role\"}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_completion_tokens\":-1}", })
    void chatRejectsBadBodiesWith400(String body) {
        assertError(SimHttp.post(base, "/v1/chat/completions", body), 400);
    }

    @Test
    void contextLengthUsesVllmsMessage() {
        JsonNode e = assertError(SimHttp.post(base, "/v1/completions", "{\"prompt\":\"a" + " a".repeat(59)
                + "\",\"max_tokens\":50}"), 400);
        assertThat(e.get("message").asText()).startsWith("This model's maximum context length is 100 tokens. "
                + "However, you requested 110 tokens (60 in the messages, 50 in the completion).");
        JsonNode e2 = assertError(SimHttp.post(base, "/v1/completions", "{\"prompt\":\"a" + " a".repeat(119) + "\"}"),
                400);
        assertThat(e2.get("message").asText()).contains("your request has 120 input tokens");
    }

    @Test
    void unknownModelIs404() {
        JsonNode e = assertError(SimHttp.post(base, "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"a\"}"), 404);
        assertThat(e.get("message").asText()).isEqualTo("The model `nope` does not exist.");
        assertThat(e.get("type").asText()).isEqualTo("NotFoundError");
    }

    @Test
    void unknownPathAndWrongMethod() {
        assertError(SimHttp.get(base, "/v1/nothing"), 404);
        assertError(SimHttp.get(base, "/v1/completions"), 405);
        assertError(SimHttp.post(base, "/metrics", "{}"), 405);
    }

    @Test
    void oversizedBodiesAreRefusedCleanly() {
        String big = "{\"prompt\":\"" + "x".repeat(100 * 1024) + "\"}";
        assertError(SimHttp.post(base, "/v1/completions", big), 413);
        assertThat(SimHttp.get(base, "/health").status()).isEqualTo(200);
    }

    @Test
    void otherEndpointsValidateToo() {
        assertError(SimHttp.post(base, "/tokenize", "{\"prompt\":5}"), 400);
        assertError(SimHttp.post(base, "/tokenize", "[1]"), 400);
        assertError(SimHttp.post(base, "/detokenize", "{\"tokens\":[\"a\"]}"), 400);
        assertError(SimHttp.post(base, "/v1/load_lora_adapter", "{\"lora_path\":\"x\"}"), 400);
        assertError(SimHttp.post(base, "/v1/unload_lora_adapter", "{\"lora_name\":\"never-loaded\"}"), 404);
    }

    @Test
    void fuzzedBodiesNeverCrashThePod() {
        SplittableRandom rnd = new SplittableRandom(7);
        String[] pieces = { "{", "}", "[", "]", "\"prompt\"", "\"messages\"", "\"max_tokens\"", ":", ",", "\"a\"", "1",
                "-1", "1e999", "null", "true", "\"stream\"", "\"model\"", "\"m\"", "\\u0000", "\"role\"",
                "99999999999999999999", "{\"role\":\"user\",\"content\":\"x\"}", "\"kv_transfer_params\"" };
        Set<Integer> allowed = Set.of(200, 400, 404, 413);
        for (int i = 0; i < 150; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(20);
            for (int k = 0; k < n; k++) {
                sb.append(pieces[rnd.nextInt(pieces.length)]);
            }
            String path = rnd.nextBoolean() ? "/v1/completions" : "/v1/chat/completions";
            SimHttp.Resp r = SimHttp.post(base, path, sb.toString());
            assertThat(allowed).as(sb + " -> " + r.status() + " " + r.body()).contains(r.status());
            if (r.status() != 200) {
                assertThat(r.json().get("error").get("code").asInt()).isEqualTo(r.status());
            }
        }
        for (int i = 0; i < 30; i++) {
            byte[] garbage = new byte[rnd.nextInt(300)];
            for (int k = 0; k < garbage.length; k++) {
                garbage[k] = (byte) rnd.nextInt(256);
            }
            SimHttp.Resp r = SimHttp.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(garbage)).build());
            assertThat(r.status()).as(new String(garbage, StandardCharsets.ISO_8859_1)).isEqualTo(400);
        }
        assertThat(SimHttp.get(base, "/health").status()).isEqualTo(200);
        assertThat(SimHttp.post(base, "/v1/completions", "{\"prompt\":\"still fine\",\"max_tokens\":2}").status())
                .isEqualTo(200);
    }
}
