package io.quarkiverse.llmd.simulator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** Response shapes of every endpoint, field by field (kvcache-and-sim.md B2). */
class ApiShapesTest {

    static SimulatedFleet fleet;
    static URI base;

    @BeforeAll
    static void start() {
        fleet = SimulatedFleet.start(SimulatorConfig.builder("sim-model").port(0).hardware(SimHttp.FAST)
                .maxModelLen(4096).loraModules(List.of("sql-lora")).build());
        base = fleet.baseUris().get(0);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    void completionNonStreaming() {
        SimHttp.Resp r = SimHttp.post(base, "/v1/completions",
                "{\"model\":\"sim-model\",\"prompt\":\"Hello there, simulator\",\"max_tokens\":7,\"ignore_eos\":true}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.get("id").asText()).startsWith("cmpl-");
        assertThat(j.get("object").asText()).isEqualTo("text_completion");
        assertThat(j.get("created").isIntegralNumber()).isTrue();
        assertThat(j.get("model").asText()).isEqualTo("sim-model");
        JsonNode c = j.get("choices").get(0);
        assertThat(c.get("index").asInt()).isZero();
        assertThat(c.get("text").asText()).isNotEmpty();
        assertThat(c.get("logprobs").isNull()).isTrue();
        assertThat(c.get("finish_reason").asText()).isEqualTo("length");
        assertThat(c.has("stop_reason")).isTrue();
        JsonNode u = j.get("usage");
        assertThat(u.get("prompt_tokens").asInt()).isEqualTo(8); // Hell|o| ther|e|,| simu|lato|r
        assertThat(u.get("completion_tokens").asInt()).isEqualTo(7);
        assertThat(u.get("total_tokens").asInt()).isEqualTo(15);
        assertThat(u.get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
        assertThat(j.get("kv_transfer_params").isNull()).isTrue();
        // the text re-tokenizes to the reported count
        SimHttp.Resp tok = SimHttp.post(base, "/tokenize", "{\"prompt\":" + c.get("text") + "}");
        assertThat(tok.json().get("count").asInt()).isEqualTo(7);
    }

    @Test
    void chatNonStreaming() {
        SimHttp.Resp r = SimHttp.post(base, "/v1/chat/completions", "{\"model\":\"sim-model\",\"messages\":"
                + "[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"hi\"}]}],\"max_completion_tokens\":4,\"ignore_eos\":true}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("id").asText()).startsWith("chatcmpl-");
        assertThat(j.get("object").asText()).isEqualTo("chat.completion");
        JsonNode c = j.get("choices").get(0);
        assertThat(c.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(c.get("message").get("content").asText()).isNotEmpty();
        assertThat(c.get("message").get("tool_calls").isArray()).isTrue();
        assertThat(c.get("finish_reason").asText()).isEqualTo("length");
        assertThat(j.get("usage").get("completion_tokens").asInt()).isEqualTo(4);
        assertThat(j.has("kv_transfer_params")).isTrue();
    }

    @Test
    void completionStreamingWithUsage() {
        SimHttp.Resp r = SimHttp.post(base, "/v1/completions", "{\"prompt\":\"stream me\",\"max_tokens\":5,"
                + "\"ignore_eos\":true,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/event-stream");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<JsonNode> ev = r.events();
        assertThat(ev).hasSize(6); // 5 tokens + usage
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            JsonNode c = ev.get(i).get("choices").get(0);
            assertThat(ev.get(i).get("object").asText()).isEqualTo("text_completion");
            text.append(c.get("text").asText());
            assertThat(c.get("finish_reason").isNull()).isEqualTo(i < 4);
        }
        assertThat(ev.get(4).get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        JsonNode usage = ev.get(5);
        assertThat(usage.get("choices").isArray()).isTrue();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
        assertThat(usage.get("usage").get("prompt_tokens_details").get("cached_tokens").isInt()).isTrue();
        assertThat(ev.stream().map(e -> e.get("id").asText()).distinct()).hasSize(1);
        assertThat(text.toString()).isNotBlank();
    }

    @Test
    void chatStreamingStartsWithTheRoleAndOmitsUsageByDefault() {
        SimHttp.Resp r = SimHttp.post(base, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"max_tokens\":3,\"ignore_eos\":true,\"stream\":true}");
        List<JsonNode> ev = r.events();
        assertThat(ev).hasSize(4);
        assertThat(ev.get(0).get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(ev.get(0).get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        assertThat(ev.get(1).get("choices").get(0).get("delta").get("content").asText()).isNotEmpty();
        assertThat(ev.get(3).get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(ev).allSatisfy(e -> assertThat(e.has("usage")).isFalse());
    }

    @Test
    void continuousUsageStatsOnEveryChunk() {
        SimHttp.Resp r = SimHttp.post(base, "/v1/completions", "{\"prompt\":\"x y\",\"max_tokens\":3,"
                + "\"ignore_eos\":true,\"stream\":true,\"stream_options\":{\"include_usage\":true,"
                + "\"continuous_usage_stats\":true}}");
        List<JsonNode> ev = r.events();
        assertThat(ev.get(0).get("usage").get("completion_tokens").asInt()).isEqualTo(1);
        assertThat(ev.get(2).get("usage").get("completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void modelsListsBaseAndLoras() {
        JsonNode j = SimHttp.get(base, "/v1/models").json();
        assertThat(j.get("object").asText()).isEqualTo("list");
        assertThat(j.get("data").get(0).get("id").asText()).isEqualTo("sim-model");
        assertThat(j.get("data").get(0).get("owned_by").asText()).isEqualTo("vllm");
        assertThat(j.get("data").get(0).get("max_model_len").asInt()).isEqualTo(4096);
        assertThat(j.get("data").get(0).get("parent").isNull()).isTrue();
        assertThat(j.get("data").get(1).get("id").asText()).isEqualTo("sql-lora");
        assertThat(j.get("data").get(1).get("parent").asText()).isEqualTo("sim-model");
    }

    @Test
    void loraLoadServeUnload() {
        SimHttp.Resp load = SimHttp.post(base, "/v1/load_lora_adapter",
                "{\"lora_name\":\"new-lora\",\"lora_path\":\"/tmp/x\"}");
        assertThat(load.status()).isEqualTo(200);
        assertThat(load.body()).contains("new-lora");
        assertThat(SimHttp.post(base, "/v1/load_lora_adapter", "{\"lora_name\":\"new-lora\",\"lora_path\":\"/x\"}")
                .status()).isEqualTo(400);
        SimHttp.Resp c = SimHttp.post(base, "/v1/completions", "{\"model\":\"new-lora\",\"prompt\":\"hi\",\"max_tokens\":2}");
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.json().get("model").asText()).isEqualTo("new-lora");
        assertThat(SimHttp.post(base, "/v1/unload_lora_adapter", "{\"lora_name\":\"new-lora\"}").status())
                .isEqualTo(200);
        SimHttp.Resp gone = SimHttp.post(base, "/v1/completions", "{\"model\":\"new-lora\",\"prompt\":\"hi\"}");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("error").get("message").asText()).isEqualTo("The model `new-lora` does not exist.");
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() {
        JsonNode t = SimHttp.post(base, "/tokenize",
                "{\"model\":\"sim-model\",\"prompt\":\"Round trip, please!\",\"return_token_strs\":true}").json();
        assertThat(t.get("count").asInt()).isEqualTo(t.get("tokens").size());
        assertThat(t.get("max_model_len").asInt()).isEqualTo(4096);
        assertThat(t.get("token_strs").size()).isEqualTo(t.get("count").asInt());
        JsonNode d = SimHttp.post(base, "/detokenize", "{\"tokens\":" + t.get("tokens") + "}").json();
        assertThat(d.get("prompt").asText()).isEqualTo("Round trip, please!");
        JsonNode chat = SimHttp.post(base, "/tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .json();
        assertThat(chat.get("count").asInt()).isPositive();
    }

    @Test
    void renderEndpointsReturnTheTokensACompletionWouldUse() {
        JsonNode tok = SimHttp.post(base, "/tokenize", "{\"prompt\":\"Render me, please\"}").json();
        SimHttp.Resp r = SimHttp.post(base, "/v1/completions/render",
                "{\"model\":\"sim-model\",\"prompt\":\"Render me, please\",\"max_tokens\":9,\"temperature\":0.5}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode list = r.json();
        assertThat(list.isArray()).isTrue();
        assertThat(list.size()).isEqualTo(1);
        JsonNode first = list.get(0);
        assertThat(first.get("request_id").asText()).startsWith("cmpl-");
        assertThat(first.get("token_ids")).isEqualTo(tok.get("tokens"));
        assertThat(first.get("model").asText()).isEqualTo("sim-model");
        assertThat(first.get("sampling_params").get("max_tokens").asInt()).isEqualTo(9);
        assertThat(first.get("sampling_params").get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(first.get("token_offsets").isNull()).isTrue();
        // token ids are taken as they are
        JsonNode ids = SimHttp.post(base, "/v1/completions/render", "{\"prompt\":[300,301,302]}").json();
        assertThat(ids.get(0).get("token_ids").toString()).isEqualTo("[300,301,302]");

        String messages = "[{\"role\":\"user\",\"content\":\"hi\"}]";
        JsonNode chatTok = SimHttp.post(base, "/tokenize", "{\"messages\":" + messages + "}").json();
        JsonNode chat = SimHttp.post(base, "/v1/chat/completions/render", "{\"model\":\"sim-model\",\"messages\":"
                + messages + ",\"stream\":true}").json();
        assertThat(chat.isObject()).isTrue();
        assertThat(chat.get("request_id").asText()).startsWith("chatcmpl-");
        assertThat(chat.get("token_ids")).isEqualTo(chatTok.get("tokens"));
        assertThat(chat.get("stream").asBoolean()).isTrue();

        assertThat(SimHttp.post(base, "/v1/completions/render", "{\"model\":\"nope\",\"prompt\":\"x\"}").status())
                .isEqualTo(404);
        assertThat(SimHttp.post(base, "/v1/chat/completions/render", "{\"messages\":[]}").status()).isEqualTo(400);
    }

    @Test
    void healthAndTokenIdPrompts() {
        SimHttp.Resp h = SimHttp.get(base, "/health");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.body()).isEmpty();
        SimHttp.Resp ids = SimHttp.post(base, "/v1/completions", "{\"prompt\":[300,301,302],\"max_tokens\":1}");
        assertThat(ids.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void defaultOutputIsBoundedByTheContextWindow() {
        SimHttp.Resp r = SimHttp.post(base, "/v1/completions", "{\"prompt\":\"no max tokens\"}");
        assertThat(r.status()).isEqualTo(200);
        int n = r.json().get("usage").get("completion_tokens").asInt();
        assertThat(n).isBetween(1, 4096 - 3);
    }
}
