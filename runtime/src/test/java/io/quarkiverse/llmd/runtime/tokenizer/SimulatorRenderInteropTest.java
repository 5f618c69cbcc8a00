package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.testing.Fixtures;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/**
 * With the same tokenizer.json, the gateway's {@code hfTokenizerFile} gives a completions prompt the ids the model
 * server's {@code /v1/completions/render} gives it (the simulator renders as vLLM does, special tokens included).
 */
class SimulatorRenderInteropTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static SimulatedFleet fleet;

    @BeforeAll
    static void start() {
        fleet = SimulatedFleet.start(SimulatorConfig.builder("tiny").port(0)
                .tokenizer(HfTokenizerFileTest.testTokenizer()).build());
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    void completionsPromptsGetTheRenderEndpointsIds() throws Exception {
        String path = HfTokenizerFileTest.testTokenizer().toString().replace("\\", "\\\\");
        RuntimeTokenProducer producer = (RuntimeTokenProducer) RuntimeTokenProducer.FACTORY.create("tp",
                JSON.readTree("{\"hfTokenizerFile\": {\"path\": \"" + path + "\", \"chunkChars\": 16}}"),
                PluginHandle.NONE);
        String system = "You are a helpful assistant. Answer the question about the routing cache. ";
        HttpClient client = HttpClient.newHttpClient();

        for (String prompt : new String[] { "Hello world!", system + "What is a token?", system + "Why, and how?" }) {
            HttpRequest request = HttpRequest.newBuilder(fleet.baseUris().get(0).resolve("/v1/completions/render"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            JSON.createObjectNode().put("model", "tiny").put("prompt", prompt))))
                    .build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode rendered = JSON.readTree(response.body()).get(0).get("token_ids");
            int[] expected = new int[rendered.size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = rendered.get(i).asInt();
            }

            assertThat(producer.tokenize(Fixtures.request("tiny", prompt)).tokenIds()).as(prompt)
                    .containsExactly(expected).startsWith(1);
        }
    }
}
