package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * The {@code vllm} backend against the simulator's render endpoints (the model server's), and against a stub server
 * that misbehaves on purpose: every failure falls back to the estimate, is counted by outcome, and never fails the
 * request.
 */
class RenderTokenProducerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenAiRequestParser PARSER = new OpenAiRequestParser();
    private static final String SYSTEM = "You are a helpful assistant. Answer the question about the routing cache. ";

    static Vertx vertx;
    static SimulatedFleet fleet;
    static HttpServer stub;
    /** What the stub does with the next requests: "hang", or a status and body to answer. */
    static volatile int stubStatus = 200;
    static volatile String stubBody = "{}";
    static volatile boolean stubHangs;
    static final List<String> stubSeen = new CopyOnWriteArrayList<>();
    static final List<String> stubAuthorization = new CopyOnWriteArrayList<>();
    static final List<HttpServerRequest> hanging = new CopyOnWriteArrayList<>();

    private SimpleMeterRegistry meters;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        fleet = SimulatedFleet.start(SimulatorConfig.builder("tiny").port(0)
                .tokenizer(HfTokenizerFileTest.testTokenizer()).build());
        stub = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            stubSeen.add(req.path() + " " + body.toString(StandardCharsets.UTF_8));
            stubAuthorization.add(String.valueOf(req.getHeader("authorization")));
            if (stubHangs) {
                hanging.add(req);
            } else {
                req.response().setStatusCode(stubStatus).putHeader("content-type", "application/json").end(stubBody);
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        fleet.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        meters = new SimpleMeterRegistry();
        stubStatus = 200;
        stubBody = "{}";
        stubHangs = false;
        stubSeen.clear();
        stubAuthorization.clear();
        hanging.forEach(r -> r.connection().close());
        hanging.clear();
    }

    private RenderTokenProducer producer(String params) throws Exception {
        return (RenderTokenProducer) RuntimeTokenProducer.factory(new RenderTransport(vertx, meters))
                .create("tp", JSON.readTree(params), PluginHandle.NONE);
    }

    private static String simulatorUrl() {
        return fleet.baseUris().get(0).toString();
    }

    private static String stubUrl() {
        return "http://127.0.0.1:" + stub.actualPort();
    }

    private static InferenceRequest parse(String path, String body) {
        return PARSER.parse(path, Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    private static TokenizedPrompt prepare(RenderTokenProducer p, String path, String body) throws Exception {
        return p.prepare(parse(path, body), body.getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    /** The ids the simulator's render endpoint gives, asked directly. */
    private static int[] renderedBySimulator(String path, String body) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                fleet.baseUris().get(0).resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(response.body());
        JsonNode ids = (answer.isArray() ? answer.get(0) : answer).get("token_ids");
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asInt();
        }
        return out;
    }

    private long count(RenderOutcome outcome) {
        io.micrometer.core.instrument.Counter c = meters.find(RenderMetrics.CALLS).tag("plugin_name", "tp")
                .tag("outcome", outcome.label).counter();
        return c == null ? -1 : (long) c.count();
    }

    @Test
    void completionsAndChatGetTheIdsOfTheModelServersRenderEndpoints() throws Exception {
        RenderTokenProducer p = producer("{\"modelName\": \"tiny\", \"vllm\": {\"url\": \"" + simulatorUrl() + "\"}}");
        for (String prompt : new String[] { "Hello world!", SYSTEM + "What is a token?" }) {
            String body = JSON.writeValueAsString(JSON.createObjectNode().put("model", "tiny").put("prompt", prompt));
            TokenizedPrompt tokens = prepare(p, "/v1/completions", body);
            assertThat(tokens.estimated()).isFalse();
            assertThat(tokens.tokenIds()).containsExactly(renderedBySimulator("/v1/completions/render", body));
        }
        String chat = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"" + SYSTEM
                + "\"},{\"role\":\"user\",\"content\":\"Why, and how?\"}]}";
        TokenizedPrompt tokens = prepare(p, "/v1/chat/completions", chat);
        // the chat endpoint applies the server's chat template: not the ids of the messages' JSON text
        assertThat(tokens.tokenIds()).containsExactly(renderedBySimulator("/v1/chat/completions/render", chat))
                .isNotEqualTo(renderedBySimulator("/v1/completions/render", JSON.writeValueAsString(
                        JSON.createObjectNode().put("model", "tiny").put("prompt", new String(
                                parse("/v1/chat/completions", chat).prefixInput(), StandardCharsets.UTF_8)))));
        assertThat(count(RenderOutcome.RENDERED)).isEqualTo(3);
        assertThat(meters.find(RenderMetrics.DURATION).timer().count()).isEqualTo(3);
        assertThat(p.client().inFlight()).isZero();
    }

    @Test
    void theCallGoesToTheConfiguredServerWithTheConfiguredModelAndTheRightEndpoint() throws Exception {
        stubBody = "[{\"request_id\":\"x\",\"token_ids\":[3,1,4],\"model\":\"served\"}]";
        RenderTokenProducer p = producer("{\"modelName\": \"served\", \"vllm\": {\"url\": \"" + stubUrl() + "/\"}}");
        assertThat(prepare(p, "/v1/completions", "{\"model\":\"alias\",\"prompt\":\"hi\",\"max_tokens\":3}")
                .tokenIds()).containsExactly(3, 1, 4);
        stubBody = "{\"token_ids\":[2,7]}";
        String chat = "{\"model\":\"served\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(p.prepare(PARSER.parse("/v1/chat/completions", Map.of("authorization", "Bearer k"),
                chat.getBytes(StandardCharsets.UTF_8)), chat.getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS).tokenIds()).containsExactly(2, 7);
        assertThat(stubAuthorization).as("the client's credentials, as llm-d passes them on")
                .containsExactly("null", "Bearer k");
        assertThat(stubSeen).hasSize(2);
        assertThat(stubSeen.get(0)).startsWith("/v1/completions/render {");
        JsonNode sent = JSON.readTree(stubSeen.get(0).substring(stubSeen.get(0).indexOf(' ') + 1));
        assertThat(sent.get("model").asText()).isEqualTo("served");
        assertThat(sent.get("max_tokens").asInt()).as("the rest of the body as forwarded").isEqualTo(3);
        assertThat(stubSeen.get(1)).startsWith("/v1/chat/completions/render {");
    }

    @Test
    void requestsWithoutARenderEndpointOrWithTokenIdsMakeNoCall() throws Exception {
        RenderTokenProducer p = producer("{\"vllm\": {\"url\": \"" + stubUrl() + "\"}}");
        assertThat(prepare(p, "/v1/completions", "{\"model\":\"m\",\"prompt\":[5,6,7]}"))
                .isEqualTo(new TokenizedPrompt(new int[] { 5, 6, 7 }, false));
        assertThat(prepare(p, "/v1/embeddings", "{\"model\":\"m\",\"input\":\"hello\"}").estimated()).isTrue();
        assertThat(stubSeen).isEmpty();
        assertThat(count(RenderOutcome.RENDERED)).isZero();
    }

    @Test
    void aRenderErrorFallsBackToTheEstimateAndIsCounted() throws Exception {
        String body = "{\"model\":\"tiny\",\"prompt\":\"12345678\"}";
        TokenizedPrompt estimate = TokenizedPrompt.estimate(parse("/v1/completions", body));

        // the simulator refuses an unknown model with 404
        RenderTokenProducer unknownModel = producer("{\"modelName\": \"nope\", \"vllm\": {\"url\": \""
                + simulatorUrl() + "\"}}");
        assertThat(prepare(unknownModel, "/v1/completions", body)).isEqualTo(estimate);
        assertThat(count(RenderOutcome.HTTP_ERROR)).isOne();

        stubBody = "{\"token_ids\":\"not a list\"}";
        assertThat(prepare(producer("{\"vllm\": {\"url\": \"" + stubUrl() + "\"}}"), "/v1/completions", body))
                .isEqualTo(estimate);
        assertThat(count(RenderOutcome.INVALID_RESPONSE)).isOne();

        RenderTokenProducer nobody = producer("{\"vllm\": {\"url\": \"http://127.0.0.1:" + closedPort() + "\"}}");
        assertThat(prepare(nobody, "/v1/completions", body)).isEqualTo(estimate);
        assertThat(count(RenderOutcome.CONNECTION_ERROR)).isOne();
        assertThat(nobody.client().inFlight()).isZero();
    }

    @Test
    void aRenderServerThatDoesNotAnswerInTimeFallsBackToTheEstimate() throws Exception {
        stubHangs = true;
        RenderTokenProducer p = producer("{\"vllm\": {\"url\": \"" + stubUrl() + "\", \"timeout\": \"100ms\"}}");
        String body = "{\"model\":\"m\",\"prompt\":\"hello\"}";
        assertThat(prepare(p, "/v1/completions", body)).isEqualTo(TokenizedPrompt.estimate(
                parse("/v1/completions", body)));
        assertThat(count(RenderOutcome.TIMEOUT)).isOne();
        assertThat(p.client().inFlight()).isZero();
    }

    @Test
    void beyondMaxInFlightARequestIsEstimatedAtOnceWithoutACall() throws Exception {
        stubHangs = true;
        RenderTokenProducer p = producer("{\"vllm\": {\"url\": \"" + stubUrl() + "\", \"maxInFlight\": 2,"
                + " \"timeout\": \"60s\"}}");
        String body = "{\"model\":\"m\",\"prompt\":\"hello\"}";
        List<CompletableFuture<TokenizedPrompt>> open = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            open.add(p.prepare(parse("/v1/completions", body), body.getBytes(StandardCharsets.UTF_8))
                    .toCompletableFuture());
        }
        CompletableFuture<TokenizedPrompt> third = p.prepare(parse("/v1/completions", body),
                body.getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
        assertThat(third).as("refused at once: the pipeline goes on synchronously").isDone();
        assertThat(third.join().estimated()).isTrue();
        assertThat(count(RenderOutcome.OVERLOADED)).isOne();
        assertThat(open).noneMatch(CompletableFuture::isDone);
        assertThat(p.client().inFlight()).isEqualTo(2);
        // the server goes away: the open calls end as connection errors, and free their slots
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hanging.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        hanging.forEach(r -> r.connection().close());
        for (CompletableFuture<TokenizedPrompt> f : open) {
            assertThat(f.get(30, TimeUnit.SECONDS).estimated()).isTrue();
        }
        assertThat(count(RenderOutcome.CONNECTION_ERROR)).isEqualTo(2);
        assertThat(p.client().inFlight()).isZero();
    }

    @Test
    void theResponseReaderTakesAListOrAnObjectAndRefusesAnythingElse() throws Exception {
        assertThat(RenderResponses.tokenIds("[{\"a\":{\"b\":[1]},\"token_ids\":[1,2,3]}]".getBytes()))
                .containsExactly(1, 2, 3);
        assertThat(RenderResponses.tokenIds("{\"token_ids\":[],\"x\":1}".getBytes())).isEmpty();
        for (String bad : new String[] { "", "[]", "7", "{\"ids\":[1]}", "{\"token_ids\":[1.5]}",
                "{\"token_ids\":[-1]}", "{\"token_ids\":[4294967296]}", "{\"token_ids\":[1,", "not json" }) {
            assertThatThrownBy(() -> RenderResponses.tokenIds(bad.getBytes())).as(bad)
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void theUrlIsABaseUrlOfTheRenderServer() {
        assertThat(RenderUrl.parse("u", "http://tokenizer.ns.svc:8000/")).isEqualTo(
                new RenderUrl(false, "tokenizer.ns.svc", 8000, ""));
        assertThat(RenderUrl.parse("u", "https://tok/prefix/")).isEqualTo(new RenderUrl(true, "tok", 443, "/prefix"));
        assertThat(RenderUrl.parse("u", "http://[::1]:9")).isEqualTo(new RenderUrl(false, "::1", 9, ""));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
