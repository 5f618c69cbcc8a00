package io.quarkiverse.llmd.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.runtime.embedded.EmbeddedFleetLauncher;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** The gateway app with no endpoint configured starts the embedded simulated fleet and routes to it. */
@QuarkusTest
class GatewaySmokeTest {

    private static final String CHAT = """
            {"model":"llmd-sim/llama-3-8b","max_tokens":8,
             "messages":[{"role":"user","content":"What is an endpoint picker?"}]}""";

    @Inject
    RequestPipeline director;

    @Inject
    EmbeddedFleetLauncher launcher;

    @Test
    void embeddedFleetIsInThePool() {
        assertThat(launcher.isRunning()).isTrue();
        List<Endpoint> endpoints = director.endpoints();
        // %test: one pod per profile (H100, L4)
        assertThat(endpoints).extracting(Endpoint::name).containsExactly("sim-h100-0", "sim-l4-0");
        assertThat(endpoints).allSatisfy(e -> assertThat(e.role()).isEqualTo("decode"));
    }

    @Test
    void directorRoutesToAFleetPodWhichAnswers() throws Exception {
        Decision decision = director.decide("/v1/chat/completions", Map.of(), CHAT.getBytes(StandardCharsets.UTF_8),
                null).toCompletableFuture().get();
        assertThat(decision).isInstanceOf(RoutedRequest.class);
        RoutedRequest routed = (RoutedRequest) decision;
        List<String> addresses = director.endpoints().stream().map(Endpoint::address).toList();
        assertThat(addresses).contains(routed.served().address());

        // what the proxy will do: forward the body to the chosen pod
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + routed.destinationHeader() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(routed.body())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("chat.completion");
    }

    /** End to end through the OpenAI proxy on the HTTP port, to a pod of the embedded fleet. */
    @Test
    void chatCompletionThroughTheProxy() {
        Response response = given().contentType("application/json").body(CHAT).post("/v1/chat/completions");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.jsonPath().getString("object")).isEqualTo("chat.completion");
        assertThat(response.jsonPath().getString("model")).isEqualTo("llmd-sim/llama-3-8b");
        assertThat(response.header("x-gateway-destination-endpoint-served")).startsWith("127.0.0.1:");
    }
}
