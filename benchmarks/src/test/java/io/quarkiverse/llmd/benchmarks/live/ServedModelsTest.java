package io.quarkiverse.llmd.benchmarks.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** A live run sends a model the target serves, or stops before sending anything. */
class ServedModelsTest {

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/models", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void theModelListIsRead() throws Exception {
        URI base = serve(200, """
                {"object":"list","data":[{"id":"llmd-sim/llama-3-8b","object":"model"},{"id":"lora-a"}]}""");
        assertThat(ServedModels.fetch(base, Duration.ofSeconds(5))).containsExactly("llmd-sim/llama-3-8b", "lora-a");
        assertThat(ServedModels.fetch(URI.create(base + "/"), Duration.ofSeconds(5))).hasSize(2);
    }

    @Test
    void aTargetWithoutAModelListSaysSo() throws Exception {
        URI base = serve(404, "not found");
        assertThatThrownBy(() -> ServedModels.fetch(base, Duration.ofSeconds(5))).isInstanceOf(IOException.class)
                .hasMessageContaining("/v1/models answered HTTP 404");
    }

    @Test
    void aServedModelIsKept() {
        ServedModels.Choice c = ServedModels.choose("m", false, List.of("x", "m"), "http://t");
        assertThat(c.model()).isEqualTo("m");
        assertThat(c.note()).isNull();
    }

    @Test
    void theWorkloadsDefaultModelIsReplacedByAServedOneAndTheRunSaysSo() {
        ServedModels.Choice c = ServedModels.choose("meta-llama/Llama-3.1-8B", false,
                List.of("llmd-sim/llama-3-8b", "lora-a"), "http://127.0.0.1:8080");
        assertThat(c.model()).isEqualTo("llmd-sim/llama-3-8b");
        assertThat(c.note()).contains("meta-llama/Llama-3.1-8B is not served by http://127.0.0.1:8080",
                "it serves: llmd-sim/llama-3-8b, lora-a", "--model");
    }

    @Test
    void aModelTheUserNamedIsNeverReplaced() {
        assertThatThrownBy(() -> ServedModels.choose("typo", true, List.of("llmd-sim/llama-3-8b"), "http://t"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--model typo is not served by http://t; it serves: llmd-sim/llama-3-8b");
        assertThatThrownBy(() -> ServedModels.choose("m", false, List.of(), "http://t"))
                .hasMessageContaining("serves no model");
    }

    @Test
    void errorBodiesAreReducedToTheirMessage() {
        assertThat(HttpDriver.errorMessage("""
                {"error":{"message":"The model `x` does not exist.","type":"NotFoundError","code":404}}"""))
                .isEqualTo("The model `x` does not exist.");
        assertThat(HttpDriver.errorMessage("{\"object\":\"error\",\"message\":\"too long\",\"code\":400}"))
                .isEqualTo("too long");
        assertThat(HttpDriver.errorMessage("no\n  healthy   upstream")).isEqualTo("no healthy upstream");
        assertThat(HttpDriver.errorMessage("")).isEqualTo("(empty body)");
        assertThat(HttpDriver.errorMessage("x".repeat(300))).hasSize(123);
    }
}
