package io.quarkiverse.llmd.runtime.extproc.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RequestRecord;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.runtime.extproc.ExtProcStreamHarness;

/**
 * What Envoy (or anything that reaches the ext_proc port) sends is untrusted: any message in any order, any body
 * mode, end_of_stream anywhere, malformed or oversized bodies, odd metadata. For every such sequence the stream
 * handler must not fail internally (an exception inside it becomes INTERNAL: that is a finding), must keep the
 * StreamObserver contract (nothing after its own end, every reply a set oneof), must end the stream when the proxy
 * half-closes, and must leave no state behind: no admitted decision unreleased, every routed request completed (so the
 * scheduler's per-endpoint in-flight accounting is back where it was).
 */
class ExtProcStreamFuzzTest {

    private static final long MAX_BODY = 4096;
    private static final String MODEL = "m";
    private static final String[] PATHS = { "/v1/completions", "/v1/chat/completions", "/v1/embeddings",
            "/v1/responses", "/v1/models", "/", "" };
    private static final BodySendMode[] MODES = java.util.Arrays.stream(BodySendMode.values())
            .filter(m -> m != BodySendMode.UNRECOGNIZED).toArray(BodySendMode[]::new);
    private static final byte[] COMPLETION = "{\"model\":\"m\",\"prompt\":\"hello\",\"max_tokens\":3}"
            .getBytes(StandardCharsets.UTF_8);

    private static final AtomicLong ROUTED = new AtomicLong();
    private static final AtomicLong COMPLETED = new AtomicLong();
    private static final PoolDirectory POOLS = new PoolDirectory(new Pools(List.of(pool())));
    private static final ExtProcStreamHarness STRICT = new ExtProcStreamHarness(POOLS, MAX_BODY, 0, false);
    private static final ExtProcStreamHarness HINTLESS = new ExtProcStreamHarness(POOLS, MAX_BODY, 1, true);

    private static Pool pool() {
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(List.of(Endpoint.of("default/a", "10.0.0.1:8000", Map.of()),
                Endpoint.of("default/b", "10.0.0.2:8000", Map.of())));
        var loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).loadDefault();
        RequestPipeline pipeline = new RequestPipeline("default", loaded.scheduler(), registry::endpoints,
                Admission.ALWAYS, Map.of(), Clock.systemUTC(), PipelineMetrics.NOOP, () -> 0L);
        pipeline.observe(new DecisionObserver() {
            @Override
            public DecisionTrace trace() {
                return null;
            }

            @Override
            public void decided(SchedulingContext context, SchedulingResult result) {
                if (result.succeeded()) {
                    ROUTED.incrementAndGet();
                }
            }
        });
        pipeline.observeRequests(new RequestObserver() {
            @Override
            public void completed(RequestRecord record) {
                COMPLETED.incrementAndGet();
            }
        });
        return new Pool("default", Set.of(MODEL), registry, pipeline);
    }

    @FuzzTest(maxDuration = "20s")
    void anySequenceOfMessages(FuzzedDataProvider data) {
        ExtProcStreamHarness harness = data.consumeBoolean() ? STRICT : HINTLESS;
        Recorder out = new Recorder();
        StreamObserver<ProcessingRequest> stream = harness.open(out);
        // a well-formed start so that short inputs reach the deep states (routed, response streaming) too
        for (ProcessingRequest start : prefix(data.consumeInt(0, 4), data.pickValue(MODES))) {
            stream.onNext(start);
        }
        int messages = data.consumeInt(0, 12);
        for (int i = 0; i < messages && data.remainingBytes() > 0; i++) {
            stream.onNext(message(data));
        }
        int ending = data.consumeInt(0, 2);
        if (ending == 0) {
            stream.onCompleted(); // the proxy half-closes: the picker must end its side too
            assertThat(out.ended).as("the stream is ended after the proxy half-closed").isTrue();
        } else if (ending == 1) {
            stream.onError(Status.CANCELLED.asRuntimeException()); // the proxy reset the stream
        } else if (out.onCancel != null) {
            out.onCancel.run(); // the call was cancelled under the picker
        } else {
            stream.onError(Status.UNAVAILABLE.asRuntimeException());
        }
        assertThat(out.violations).as("StreamObserver contract").isEmpty();
        assertThat(out.status == null || out.status.getCode() != Status.Code.INTERNAL)
                .as("an internal failure of the stream handler: %s", out.status).isTrue();
        assertThat(harness.pendingDecisions()).as("admitted decisions released").isZero();
        assertThat(COMPLETED.get()).as("every routed request completed").isEqualTo(ROUTED.get());
    }

    /** The first {@code depth} messages of a well-behaved exchange in body mode {@code mode}. */
    private static List<ProcessingRequest> prefix(int depth, BodySendMode mode) {
        List<ProcessingRequest> start = new ArrayList<>();
        if (depth >= 1) {
            start.add(ProcessingRequest.newBuilder()
                    .setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(mode)
                            .setResponseBodyMode(mode))
                    .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(HeaderMap.newBuilder()
                            .addHeaders(header(":method", "POST")).addHeaders(header(":path", "/v1/completions"))
                            .addHeaders(header("content-type", "application/json"))))
                    .build());
        }
        if (depth >= 2) {
            start.add(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                    .setBody(ByteString.copyFrom(COMPLETION)).setEndOfStream(true)).build());
        }
        if (depth >= 3) {
            start.add(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder().setHeaders(
                    HeaderMap.newBuilder().addHeaders(header(":status", "200"))
                            .addHeaders(header("content-type", depth == 3 ? "text/event-stream" : "application/json"))))
                    .build());
        }
        return start;
    }

    private static ProcessingRequest message(FuzzedDataProvider data) {
        ProcessingRequest.Builder m = ProcessingRequest.newBuilder();
        if (data.consumeBoolean()) {
            m.setProtocolConfig(ProtocolConfiguration.newBuilder()
                    .setRequestBodyMode(data.pickValue(MODES))
                    .setResponseBodyMode(data.pickValue(MODES)));
        }
        if (data.consumeBoolean()) {
            m.setMetadataContext(metadata(data));
        }
        switch (data.consumeInt(0, 6)) {
            case 0 -> m.setRequestHeaders(requestHeaders(data));
            case 1 -> m.setRequestBody(body(data, true));
            case 2 -> m.setRequestTrailers(HttpTrailers.getDefaultInstance());
            case 3 -> m.setResponseHeaders(responseHeaders(data));
            case 4 -> m.setResponseBody(body(data, false));
            case 5 -> m.setResponseTrailers(HttpTrailers.getDefaultInstance());
            default -> {
                // no request at all: an empty ProcessingRequest
            }
        }
        return m.build();
    }

    private static HttpHeaders requestHeaders(FuzzedDataProvider data) {
        HeaderMap.Builder map = HeaderMap.newBuilder();
        map.addHeaders(header(":method", data.consumeBoolean() ? "POST" : data.consumeString(8)));
        map.addHeaders(header(":path", data.consumeBoolean() ? data.pickValue(PATHS) : data.consumeString(40)));
        if (data.consumeBoolean()) {
            map.addHeaders(header("content-type", "application/json"));
        }
        int extra = data.consumeInt(0, 4);
        for (int i = 0; i < extra; i++) {
            String name = data.consumeBoolean()
                    ? data.pickValue(new String[] { "x-llm-d-pool", "x-request-id", "x-gateway-model-name",
                            "x-llm-d-inference-fairness-id", "x-llm-d-objective", "content-length", "Host" })
                    : data.consumeString(12);
            map.addHeaders(data.consumeBoolean() ? header(name, data.consumeString(24))
                    : HeaderValue.newBuilder().setKey(name).setRawValue(ByteString.copyFrom(data.consumeBytes(24)))
                            .build());
        }
        return HttpHeaders.newBuilder().setHeaders(map).setEndOfStream(data.consumeBoolean()).build();
    }

    private static HttpHeaders responseHeaders(FuzzedDataProvider data) {
        HeaderMap.Builder map = HeaderMap.newBuilder();
        map.addHeaders(header(":status", data.consumeBoolean() ? "200" : data.consumeString(5)));
        if (data.consumeBoolean()) {
            map.addHeaders(header("content-type", data.consumeBoolean() ? "text/event-stream"
                    : "application/json"));
        }
        if (data.consumeBoolean()) {
            map.addHeaders(header("content-length", data.consumeString(6)));
        }
        return HttpHeaders.newBuilder().setHeaders(map).setEndOfStream(data.consumeBoolean()).build();
    }

    private static HttpBody body(FuzzedDataProvider data, boolean request) {
        ByteString bytes;
        switch (data.consumeInt(0, 3)) {
            case 0 -> bytes = ByteString.copyFrom(request ? COMPLETION
                    : ("data: {\"model\":\"m\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n"
                            + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            case 1 -> {
                // larger than the cap, cheaply: a repeated fuzzed byte
                byte[] big = new byte[(int) MAX_BODY + data.consumeInt(1, 2 * (int) MAX_BODY)];
                java.util.Arrays.fill(big, data.consumeByte());
                bytes = ByteString.copyFrom(big);
            }
            case 2 -> bytes = ByteString.EMPTY;
            default -> bytes = ByteString.copyFrom(data.consumeBytes(512));
        }
        return HttpBody.newBuilder().setBody(bytes).setEndOfStream(data.consumeBoolean()).build();
    }

    private static Metadata metadata(FuzzedDataProvider data) {
        Struct.Builder hint = Struct.newBuilder();
        if (data.consumeBoolean()) {
            ListValue.Builder list = ListValue.newBuilder();
            int n = data.consumeInt(0, 3);
            for (int i = 0; i < n; i++) {
                list.addValues(data.consumeBoolean() ? Value.newBuilder().setStringValue(
                        data.consumeBoolean() ? "10.0.0." + data.consumeInt(0, 3) + ":8000" : data.consumeString(16))
                        : Value.newBuilder().setNumberValue(data.consumeDouble()));
            }
            hint.putFields("x-gateway-destination-endpoint-subset", Value.newBuilder().setListValue(list).build());
        } else {
            hint.putFields("x-gateway-destination-endpoint-subset",
                    Value.newBuilder().setStringValue(data.consumeString(40)).build());
        }
        Struct served = Struct.newBuilder().putFields("x-gateway-destination-endpoint-served",
                Value.newBuilder().setStringValue(data.consumeBoolean() ? "10.0.0.1:8000" : data.consumeString(24))
                        .build())
                .build();
        return Metadata.newBuilder().putFilterMetadata("envoy.lb.subset_hint", hint.build())
                .putFilterMetadata("envoy.lb", served).build();
    }

    private static HeaderValue header(String key, String value) {
        return HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)).build();
    }

    /** The picker's side of the stream, checking the StreamObserver contract. */
    private static final class Recorder extends ServerCallStreamObserver<ProcessingResponse> {

        final List<String> violations = new ArrayList<>();
        boolean ended;
        Status status;
        Runnable onCancel;

        @Override
        public void onNext(ProcessingResponse value) {
            if (ended) {
                violations.add("a reply after the end: " + value.getResponseCase());
            }
            if (value.getResponseCase() == ProcessingResponse.ResponseCase.RESPONSE_NOT_SET) {
                violations.add("a reply without a response");
            }
        }

        @Override
        public void onError(Throwable t) {
            if (ended) {
                violations.add("onError after the end: " + t);
            }
            ended = true;
            status = Status.fromThrowable(t);
        }

        @Override
        public void onCompleted() {
            if (ended) {
                violations.add("onCompleted after the end");
            }
            ended = true;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
            onCancel = onCancelHandler;
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }
    }
}
