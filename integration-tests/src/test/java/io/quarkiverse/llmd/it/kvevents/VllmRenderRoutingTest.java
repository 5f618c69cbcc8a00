package io.quarkiverse.llmd.it.kvevents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.runtime.kvevents.KvEventSubscribers;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * Precise prefix routing of text prompts with the {@code vllm} backend of {@code token-producer}, configured as
 * KServe injects it ({@code modelName} and {@code vllm.url} of its standalone render server): the gateway's token
 * ids are the render server's, so they match the pods' KV events, and a repeated long prefix goes to the pod that
 * holds it, through the OpenAI proxy and through ext_proc, for completions and for chat.
 */
@QuarkusTest
@TestProfile(VllmRenderRoutingTest.Profile.class)
class VllmRenderRoutingTest {

    static final String MODEL = KvEventsFleetResource.MODEL;
    static final int BLOCK = 64;
    static final long WAIT_MS = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Centralized KV events, and token-producer with the vllm backend as KServe fills it in. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.ext-proc.secure-serving", "false", "quarkus.llmd.config-text", """
                    apiVersion: llm-d.ai/v1alpha1
                    kind: EndpointPickerConfig
                    plugins:
                    - type: single-profile-handler
                    - type: token-producer
                      parameters:
                        modelName: sim-model
                        vllm:
                          url: ${kvevents.render-url}
                    - type: precise-prefix-cache-producer
                      parameters:
                        tokenProcessorConfig:
                          blockSize: 64
                          hashSeed: "42"
                        kvEventsConfig:
                          zmqEndpoint: tcp://127.0.0.1:${kvevents.gateway-port}
                          topicFilter: "kv@"
                          discoverPods: false
                    - type: prefix-cache-scorer
                      parameters:
                        prefixMatchInfoProducerName: precise-prefix-cache-producer
                    - type: queue-scorer
                    - type: max-score-picker
                    schedulingProfiles:
                    - name: default
                      plugins:
                      - pluginRef: prefix-cache-scorer
                        weight: 3
                      - pluginRef: queue-scorer
                        weight: 1
                      - pluginRef: max-score-picker
                    """);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KvEventsFleetResource.class, Map.of("mode", "centralized")),
                    new TestResourceEntry(RenderServerResource.class));
        }
    }

    @Inject
    KvEventSubscribers subscribers;

    @Inject
    Pools pools;

    private Pool pool() {
        assertThat(pools.all()).hasSize(1);
        return pools.all().get(0);
    }

    private static String address(String pod) {
        return KvEventsFleetResource.fleet(pod).addresses().get(0);
    }

    /** Some {@code words} words of text, distinct per seed. */
    private static String text(long seed, int words) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append("w").append(r.nextInt(50_000));
        }
        return sb.toString();
    }

    private static String completion(String prompt) {
        return JSON.createObjectNode().put("model", MODEL).put("prompt", prompt).put("max_tokens", 1).toString();
    }

    private static String chat(String... turns) {
        var body = JSON.createObjectNode().put("model", MODEL).put("max_tokens", 1);
        var messages = body.putArray("messages");
        for (int i = 0; i < turns.length; i++) {
            messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", turns[i]);
        }
        return body.toString();
    }

    /** The ids the render server gives a body, asked directly. */
    private static int[] rendered(String path, String body) throws Exception {
        String answer = given().baseUri(RenderServerResource.server().baseUris().get(0).toString())
                .contentType(ContentType.JSON).body(body).post(path).then().statusCode(200).extract().asString();
        JsonNode tree = JSON.readTree(answer);
        JsonNode ids = (tree.isArray() ? tree.get(0) : tree).get("token_ids");
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asInt();
        }
        return out;
    }

    private int indexedBlocks(String pod, int[] tokens) {
        var subscription = subscribers.subscriptions().values().iterator().next();
        BlockKeyHasher hasher = subscription.consumer().newHasher();
        long[] keys = hasher.requestKeys(MODEL, tokens, tokens.length, null);
        return subscription.consumer().index().longestPrefix(keys, keys.length).blocks(address(pod));
    }

    /** Sends a request straight to a pod, so that it caches the prompt, until the index shows all of it. */
    private void warmUntilIndexed(String pod, String path, String body, int[] tokens) throws Exception {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        // ZMQ drops what a PUB sends before the link is up, and a pod announces a prompt once: retry with a fresh
        // one-block probe until the link carries events
        for (long seed = 9_000;; seed++) {
            String probe = text(seed, 80);
            given().baseUri("http://" + address(pod)).contentType(ContentType.JSON).body(completion(probe))
                    .post("/v1/completions").then().statusCode(200);
            int[] probeIds = rendered("/v1/completions/render", completion(probe));
            if (awaitIndexed(pod, probeIds, 500)) {
                break;
            }
            assertThat(System.nanoTime()).as("pod %s linked", pod).isLessThan(deadline);
        }
        given().baseUri("http://" + address(pod)).contentType(ContentType.JSON).body(body).post(path).then()
                .statusCode(200);
        assertThat(awaitIndexed(pod, tokens, WAIT_MS)).as("pod %s holds the prompt", pod).isTrue();
    }

    private boolean awaitIndexed(String pod, int[] tokens, long ms) throws InterruptedException {
        long until = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < until) {
            if (indexedBlocks(pod, tokens) == tokens.length / BLOCK) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Through the OpenAI proxy; returns the pod that served it. */
    private static String routeByProxy(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post(path).then().statusCode(200).extract()
                .header(HeaderHygiene.SERVED_HEADER);
    }

    @Test
    void theKServeStyleConfigLoadsAndRequestsArePreparedByTheRenderServer() throws Exception {
        Pool pool = pool();
        assertThat(pool.pipeline().prepares()).isTrue();
        assertThat(pool.scheduler().pluginsOf(AsyncDataProducer.class)).singleElement()
                .satisfies(p -> assertThat(p.typedName().type()).isEqualTo("token-producer"));

        List<TokenizedPrompt> seen = new CopyOnWriteArrayList<>();
        Runnable stop = pool.pipeline().observe(new DecisionObserver() {
            @Override
            public DecisionTrace trace() {
                return null;
            }

            @Override
            public void decided(SchedulingContext context, SchedulingResult result) {
                seen.add(context.get(TokenizedPrompt.KEY));
            }
        });
        try {
            String completion = completion("The gateway asks the render server for the ids of this prompt.");
            routeByProxy("/v1/completions", completion);
            String chat = chat("What does the chat template add?");
            routeByProxy("/v1/chat/completions", chat);
            assertThat(seen).hasSize(2);
            assertThat(seen.get(0).estimated()).isFalse();
            assertThat(seen.get(0).tokenIds()).containsExactly(rendered("/v1/completions/render", completion));
            assertThat(seen.get(1).tokenIds()).containsExactly(rendered("/v1/chat/completions/render", chat));
        } finally {
            stop.run();
        }
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("llm_d_epp_token_producer_render_total{outcome=\"rendered\",plugin_name=\"token-producer\"}");
    }

    @Test
    void aRepeatedLongTextPrefixGoesToThePodThatHoldsIt() throws Exception {
        String onA = text(1, 700);
        String onB = text(2, 700);
        int[] idsA = rendered("/v1/completions/render", completion(onA));
        int[] idsB = rendered("/v1/completions/render", completion(onB));
        assertThat(idsA.length / BLOCK).as("a long prefix: several blocks").isGreaterThanOrEqualTo(8);
        warmUntilIndexed("a", "/v1/completions", completion(onA), idsA);
        warmUntilIndexed("b", "/v1/completions", completion(onB), idsB);
        for (int i = 0; i < 4; i++) {
            assertThat(routeByProxy("/v1/completions", completion(onA + " " + text(100 + i, 15))))
                    .as("request %d with a's prefix", i).isEqualTo(address("a"));
            assertThat(routeByProxy("/v1/completions", completion(onB + " " + text(200 + i, 15))))
                    .as("request %d with b's prefix", i).isEqualTo(address("b"));
        }
    }

    @Test
    void aConversationContinuedThroughExtProcGoesToThePodThatHoldsItsTurns() throws Exception {
        String first = text(3, 700);
        String warm = chat(first);
        int[] ids = rendered("/v1/chat/completions/render", warm);
        warmUntilIndexed("b", "/v1/chat/completions", warm, ids);
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            for (int i = 0; i < 6; i++) {
                String next = chat(first, "an answer", text(300 + i, 10));
                assertThat(destinationByExtProc(channel, "/v1/chat/completions", next)).as("turn %d", i)
                        .isEqualTo(address("b"));
            }
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** One buffered ext_proc exchange as Envoy makes it: headers, then the whole body; returns the destination. */
    private static String destinationByExtProc(ManagedChannel channel, String path, String body) throws Exception {
        LinkedBlockingQueue<ProcessingResponse> replies = new LinkedBlockingQueue<>();
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        StreamObserver<ProcessingRequest> requests = ExternalProcessorGrpc.newStub(channel)
                .process(new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingResponse value) {
                        replies.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        closed.complete(t);
                    }

                    @Override
                    public void onCompleted() {
                        closed.complete(null);
                    }
                });
        HeaderMap.Builder headers = HeaderMap.newBuilder();
        Map.of(":method", "POST", ":path", path, ":authority", "gateway.example", "content-type", "application/json")
                .forEach((k, v) -> headers.addHeaders(HeaderValue.newBuilder().setKey(k)
                        .setRawValue(ByteString.copyFromUtf8(v))));
        requests.onNext(ProcessingRequest.newBuilder()
                .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers).setEndOfStream(false))
                .setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(BodySendMode.BUFFERED)
                        .setResponseBodyMode(BodySendMode.BUFFERED))
                .build());
        assertThat(reply(replies, closed).hasRequestHeaders()).isTrue();
        requests.onNext(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFrom(body.getBytes(StandardCharsets.UTF_8))).setEndOfStream(true)).build());
        ProcessingResponse decided = reply(replies, closed);
        assertThat(decided.hasRequestBody()).as(decided.toString()).isTrue();
        String destination = null;
        for (HeaderValueOption o : decided.getRequestBody().getResponse().getHeaderMutation().getSetHeadersList()) {
            if (o.getHeader().getKey().equals("x-gateway-destination-endpoint")) {
                HeaderValue h = o.getHeader();
                destination = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
            }
        }
        requests.onCompleted(); // Envoy half-closes: the picker ends the request (as failed, no response seen)
        return destination;
    }

    private static ProcessingResponse reply(LinkedBlockingQueue<ProcessingResponse> replies,
            CompletableFuture<Throwable> closed) throws InterruptedException {
        ProcessingResponse r = replies.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new AssertionError("no reply from the picker; stream closed: " + closed.getNow(null));
        }
        return r;
    }
}
