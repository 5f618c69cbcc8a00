package io.quarkiverse.llmd.it.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
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
import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestRecord;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * A client that goes away while its request waits for the render server is dropped at once, through either edge:
 * the request is refused with {@code rejected-context-cancelled}, exactly once, and never scheduled.
 */
@QuarkusTest
@TestProfile(RenderCancellationTest.Profile.class)
class RenderCancellationTest {

    static final long WAIT_MS = 20_000;

    /** Two pods, and a token-producer whose render server never answers (within a minute). */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.ext-proc.secure-serving", "false", "quarkus.llmd.config-text", """
                    apiVersion: llm-d.ai/v1alpha1
                    kind: EndpointPickerConfig
                    plugins:
                    - type: token-producer
                      parameters:
                        vllm:
                          url: ${kvevents.silent-render-url}
                          timeout: 60s
                    - type: queue-scorer
                    - type: max-score-picker
                    schedulingProfiles:
                    - name: default
                      plugins:
                      - pluginRef: queue-scorer
                      - pluginRef: max-score-picker
                    """);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KvEventsFleetResource.class, Map.of("mode", "per-pod")),
                    new TestResourceEntry(SilentRenderServerResource.class));
        }
    }

    @Inject
    Pools pools;

    private final List<Decision.Rejected> rejected = new CopyOnWriteArrayList<>();
    private final List<SchedulingResult> scheduled = new CopyOnWriteArrayList<>();

    private Runnable watch() {
        var pipeline = pools.all().get(0).pipeline();
        Runnable a = pipeline.observeRequests(new RequestObserver() {
            @Override
            public void completed(RequestRecord record) {
            }

            @Override
            public void rejected(String pool, InferenceRequest request, Decision.Rejected rejection) {
                rejected.add(rejection);
            }
        });
        Runnable b = pipeline.observe(new DecisionObserver() {
            @Override
            public DecisionTrace trace() {
                return null;
            }

            @Override
            public void decided(SchedulingContext context, SchedulingResult result) {
                scheduled.add(result);
            }
        });
        return () -> {
            a.run();
            b.run();
        };
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting until " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aProxyClientLeavingWhileRenderingIsDroppedOnce() throws Exception {
        Runnable stop = watch();
        try {
            int calls = SilentRenderServerResource.CALLS.get();
            byte[] body = "{\"model\":\"sim-model\",\"prompt\":\"hello\",\"max_tokens\":1}"
                    .getBytes(StandardCharsets.UTF_8);
            try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                await("the render server has the call", () -> SilentRenderServerResource.CALLS.get() > calls);
            } // the client goes away
            await("the request is dropped", () -> !rejected.isEmpty());
            Thread.sleep(200); // nothing more arrives
            assertThat(rejected).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.droppedReason()).isEqualTo("rejected-context-cancelled");
            });
            assertThat(scheduled).isEmpty();
        } finally {
            stop.run();
        }
    }

    @Test
    void anExtProcStreamCancelledWhileRenderingIsDroppedOnce() throws Exception {
        Runnable stop = watch();
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            int calls = SilentRenderServerResource.CALLS.get();
            List<ProcessingResponse> replies = new CopyOnWriteArrayList<>();
            StreamObserver<ProcessingRequest> requests = ExternalProcessorGrpc.newStub(channel)
                    .process(new StreamObserver<>() {
                        @Override
                        public void onNext(ProcessingResponse value) {
                            replies.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            HeaderMap.Builder headers = HeaderMap.newBuilder();
            Map.of(":method", "POST", ":path", "/v1/chat/completions", ":authority", "gateway.example",
                    "content-type", "application/json").forEach((k, v) -> headers.addHeaders(
                            HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
            requests.onNext(ProcessingRequest.newBuilder()
                    .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers).setEndOfStream(false))
                    .setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(BodySendMode.BUFFERED)
                            .setResponseBodyMode(BodySendMode.BUFFERED))
                    .build());
            requests.onNext(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                    .setBody(ByteString.copyFromUtf8("{\"model\":\"sim-model\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"hello\"}]}"))
                    .setEndOfStream(true)).build());
            await("the render server has the call", () -> SilentRenderServerResource.CALLS.get() > calls);
            // the headers' reply may still be on its way to this client when the render call arrives
            await("the headers are answered", () -> !replies.isEmpty());
            assertThat(replies).as("only the headers are answered: the body waits for its ids").hasSize(1);
            requests.onError(new IllegalStateException("Envoy resets the stream")); // cancels the call
            await("the request is dropped", () -> !rejected.isEmpty());
            Thread.sleep(200);
            assertThat(rejected).singleElement().satisfies(r -> assertThat(r.droppedReason())
                    .isEqualTo("rejected-context-cancelled"));
            assertThat(scheduled).isEmpty();
        } finally {
            stop.run();
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
