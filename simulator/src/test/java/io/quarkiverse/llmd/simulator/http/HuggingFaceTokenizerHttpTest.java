package io.quarkiverse.llmd.simulator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** A pod configured with a HuggingFace tokenizer.json reports that tokenizer's ids and counts. */
class HuggingFaceTokenizerHttpTest {

    static SimulatedFleet fleet;
    static URI base;

    @BeforeAll
    static void start() throws URISyntaxException {
        Path json = Path.of(HuggingFaceTokenizerHttpTest.class.getResource("/tokenizer/wordlevel-tokenizer.json")
                .toURI());
        fleet = SimulatedFleet.start(SimulatorConfig.builder("tiny").port(0).hardware(SimHttp.FAST).tokenizer(json)
                .build());
        base = fleet.baseUris().get(0);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static List<Integer> ints(JsonNode arr) {
        List<Integer> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Test
    void tokenizeReportsTheModelIds() {
        JsonNode j = SimHttp.post(base, "/tokenize",
                "{\"model\":\"tiny\",\"prompt\":\"the quick brown fox jumps over the lazy dog.\","
                        + "\"return_token_strs\":true}").json();
        assertThat(ints(j.get("tokens"))).containsExactly(1, 2, 3, 4, 5, 6, 1, 7, 8, 9);
        assertThat(j.get("count").asInt()).isEqualTo(10);
        assertThat(j.get("token_strs").get(3).asText()).isEqualTo("fox");

        SimHttp.Resp d = SimHttp.post(base, "/detokenize", "{\"tokens\":[1,2,3]}");
        assertThat(d.json().get("prompt").asText()).isEqualTo("the quick brown");
        assertThat(SimHttp.post(base, "/detokenize", "{\"tokens\":[23]}").status()).isEqualTo(400);
    }

    @Test
    void usageCountsPromptTokensOfTheModel() {
        JsonNode j = SimHttp.post(base, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":"
                + "\"the quick brown fox jumps over the lazy dog.\",\"max_tokens\":6,\"ignore_eos\":true}").json();
        assertThat(j.get("usage").get("prompt_tokens").asInt()).isEqualTo(10);
        assertThat(j.get("usage").get("completion_tokens").asInt()).isEqualTo(6);
        // the output is made of single-token words of this vocabulary and re-tokenizes to the reported count
        String text = j.get("choices").get(0).get("text").asText();
        JsonNode tok = SimHttp.post(base, "/tokenize", "{\"prompt\":\"" + text + "\"}").json();
        assertThat(ints(tok.get("tokens"))).hasSize(6).allSatisfy(id -> assertThat(id).isIn(1, 6, 9, 10, 11, 12, 13,
                14, 15, 16));

        // "user: hello world!\nassistant: " -> user : hello world ! assistant :
        JsonNode chat = SimHttp.post(base, "/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hello world!\"}],\"max_tokens\":2}").json();
        assertThat(chat.get("usage").get("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(SimHttp.post(base, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":[1,2,3],\"max_tokens\":1}")
                .json().get("usage").get("prompt_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void streamedChunksConcatenateToTheText() {
        String body = "{\"model\":\"tiny\",\"prompt\":\"hello world\",\"max_tokens\":8,\"ignore_eos\":true,\"seed\":3";
        String whole = SimHttp.post(base, "/v1/completions", body + "}").json().get("choices").get(0).get("text")
                .asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : SimHttp.post(base, "/v1/completions", body + ",\"stream\":true}").events()) {
            sb.append(e.get("choices").get(0).get("text").asText());
        }
        assertThat(sb).hasToString(whole);
        assertThat(whole.split(" ")).hasSize(8);
    }
}
