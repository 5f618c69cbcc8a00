package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.metadataDestination;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.StreamedBody;
import io.quarkiverse.llmd.runtime.extproc.ExtProcMessages;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;

/** The picker in FULL_DUPLEX_STREAMED mode, llm-d's only mode, message by message (reference 1.2 to 1.7). */
@QuarkusTest
@TestProfile(ExtProcTestProfile.class)
class ExtProcFullDuplexTest {

    static final Set<String> POOL = Set.of("127.0.0.1:18001", "127.0.0.2:18002", "127.0.0.3:18003");
    static final BodySendMode MODE = BodySendMode.FULL_DUPLEX_STREAMED;

    static EnvoyExtProcClient client;

    @Inject
    Scheduler scheduler;

    @Inject
    @Identifier(RecordingObserver.TYPE)
    RecordingObserver recorder;

    @BeforeAll
    static void connect() {
        client = EnvoyExtProcClient.plaintext();
    }

    @AfterAll
    static void disconnect() throws Exception {
        client.close();
    }

    static String completion(String model, String prompt) {
        return "{\"model\":\"" + model + "\",\"prompt\":\"" + prompt + "\"}";
    }

    @Test
    void happyPathSetsDestinationHeaderAndMetadataAndEchoesHeadersAndBody() throws Exception {
        byte[] body = completion("m", "hello").getBytes(StandardCharsets.UTF_8);
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions", "x-request-id", "req-happy",
                    "x-custom", "kept", "x-gateway-inference-objective", "gold",
                    "x-gateway-destination-endpoint", "1.2.3.4:80", "content-length", "999"), false, null);
            ex.requestBodyChunks(body, 10);

            ProcessingResponse headers = ex.next();
            assertThat(headers.hasRequestHeaders()).as("header reply first, after the whole body").isTrue();
            var common = headers.getRequestHeaders().getResponse();
            assertThat(common.getClearRouteCache()).isTrue();
            Map<String, String> set = setHeaders(common.getHeaderMutation().getSetHeadersList());
            String destination = set.get("x-gateway-destination-endpoint");
            assertThat(destination).isIn(POOL);
            assertThat(metadataDestination(headers)).isEqualTo(destination);
            assertThat(set).containsEntry("content-length", Integer.toString(body.length))
                    .containsEntry(":path", "/v1/completions").containsEntry(":method", "POST")
                    .containsEntry("x-custom", "kept").containsEntry("x-request-id", "req-happy")
                    .doesNotContainKey("x-gateway-inference-objective");
            assertThat(common.getHeaderMutation().getSetHeadersList())
                    .filteredOn(o -> o.getHeader().getKey().equals("x-gateway-destination-endpoint")).hasSize(1);
            assertThat(common.getHeaderMutation().getSetHeadersList())
                    .filteredOn(o -> o.getHeader().getKey().equals("content-length")).hasSize(1);

            StreamedBody forwarded = ex.streamedBody(true);
            assertThat(forwarded.bytes()).isEqualTo(body);

            // response: served endpoint read back, usage reported, hooks complete
            ex.responseHeaders(Map.of(":status", "200", "content-type", "application/json", "x-backend", "b"),
                    false, EnvoyExtProcClient.served("127.0.0.2:18002"));
            ProcessingResponse rh = ex.next();
            assertThat(rh.hasResponseHeaders()).isTrue();
            Map<String, String> rset = setHeaders(rh.getResponseHeaders().getResponse().getHeaderMutation()
                    .getSetHeadersList());
            assertThat(rset).containsEntry("x-went-into-resp-headers", "true").containsEntry("x-backend", "b")
                    .containsEntry(":status", "200");
            String response = "{\"object\":\"text_completion\",\"model\":\"m\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";
            ex.responseBody(response.substring(0, 20), false);
            ex.responseBody(response.substring(20), true);
            assertThat(ex.streamedBody(false).text()).isEqualTo(response);
            ex.finish();
            assertThat(ex.awaitClosed().isOk()).isTrue();
        }
        RecordingObserver.Seen seen = recorder.of("req-happy");
        assertThat(seen.started.address()).isEqualTo("127.0.0.2:18002");
        assertThat(seen.completedOn.address()).isEqualTo("127.0.0.2:18002");
        assertThat(seen.firstChunk).isTrue();
        assertThat(seen.completions).isEqualTo(1);
        assertThat(seen.outcome.success()).isTrue();
        assertThat(seen.outcome.promptTokens()).isEqualTo(7);
        assertThat(seen.outcome.completionTokens()).isEqualTo(3);
        assertInFlightIsZero();
    }

    @Test
    void largeBodyIsEchoedInPiecesOfAtMost62000Bytes() throws Exception {
        String prompt = "x".repeat(150_000);
        byte[] body = completion("m", prompt).getBytes(StandardCharsets.UTF_8);
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            ex.requestBodyChunks(body, 16_384);
            ProcessingResponse headers = ex.next();
            Map<String, String> set = setHeaders(headers.getRequestHeaders().getResponse().getHeaderMutation()
                    .getSetHeadersList());
            assertThat(set).containsEntry("content-length", Integer.toString(body.length));
            String generatedId = set.get("x-request-id");
            assertThat(generatedId).as("generated request id injected").isNotBlank();
            StreamedBody forwarded = ex.streamedBody(true);
            assertThat(forwarded.pieceSizes()).hasSize(3).allSatisfy(s -> assertThat(s).isLessThanOrEqualTo(62_000));
            assertThat(forwarded.bytes()).isEqualTo(body);
            ex.responseHeaders(Map.of(":status", "200"), true, null);
            assertThat(ex.next().hasResponseHeaders()).isTrue();
            assertThat(recorder.of(generatedId).outcome).as("the hooks saw the same id").isNotNull();
        }
        assertInFlightIsZero();
    }

    @Test
    void headerOnlyRequestGetsARandomEndpointAtOnce() throws Exception {
        try (Exchange ex = client.open()) {
            Map<String, String> h = requestHeaders("/v1/models");
            h.put(":method", "GET");
            ex.requestHeaders(MODE, h, true, null);
            ProcessingResponse r = ex.next();
            var common = r.getRequestHeaders().getResponse();
            Map<String, String> set = setHeaders(common.getHeaderMutation().getSetHeadersList());
            assertThat(set.get("x-gateway-destination-endpoint")).isIn(POOL);
            assertThat(metadataDestination(r)).isEqualTo(set.get("x-gateway-destination-endpoint"));
            assertThat(common.getClearRouteCache()).isTrue();
            assertThat(set).doesNotContainKey("content-length").containsKey("x-request-id");
            // the response body is still echoed in full-duplex mode
            ex.responseHeaders(Map.of(":status", "200", "content-type", "application/json"), false, null);
            assertThat(ex.next().hasResponseHeaders()).isTrue();
            ex.responseBody("{\"data\":[]}", true);
            assertThat(ex.streamedBody(false).text()).isEqualTo("{\"data\":[]}");
        }
    }

    @Test
    void subsetHintIsHonouredAndAnUnmatchedHintIs503() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Exchange ex = client.open()) {
                ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false,
                        EnvoyExtProcClient.subsetHint("127.0.0.3:9999"));
                ex.requestBody(completion("m", "hint").getBytes(StandardCharsets.UTF_8), true);
                ProcessingResponse r = ex.next();
                assertThat(setHeaders(r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList()))
                        .as("matched by IP only").containsEntry("x-gateway-destination-endpoint", "127.0.0.3:18003");
                ex.streamedBody(true);
            }
        }
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false,
                    EnvoyExtProcClient.subsetHint("10.9.9.9:8000"));
            ex.requestBody(completion("m", "hint").getBytes(StandardCharsets.UTF_8), true);
            ProcessingResponse r = ex.next();
            assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(503);
            assertThat(r.getImmediateResponse().getBody().toStringUtf8())
                    .startsWith("inference error: ServiceUnavailable - ");
            assertThat(ex.awaitClosed().isOk()).isTrue();
        }
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, EnvoyExtProcClient.subsetHint());
            ex.requestBody(completion("m", "hint").getBytes(StandardCharsets.UTF_8), true);
            assertThat(ex.next().getImmediateResponse().getStatus().getCodeValue()).as("empty hint").isEqualTo(503);
        }
        assertInFlightIsZero();
    }

    @Test
    void modelRewriteRoundTrip() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/chat/completions", "x-request-id", "req-rewrite",
                    "x-gateway-model-name-rewrite", "target-model-v2"), false, null);
            ex.requestBody("{\"model\":\"client-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                    .getBytes(StandardCharsets.UTF_8), true);
            ProcessingResponse headers = ex.next();
            Map<String, String> set = setHeaders(headers.getRequestHeaders().getResponse().getHeaderMutation()
                    .getSetHeadersList());
            assertThat(set).doesNotContainKey("x-gateway-model-name-rewrite");
            StreamedBody forwarded = ex.streamedBody(true);
            assertThat(forwarded.text()).contains("\"model\":\"target-model-v2\"").doesNotContain("client-model");
            assertThat(set).containsEntry("content-length", Integer.toString(forwarded.bytes().length));

            ex.responseHeaders(Map.of(":status", "200", "content-type", "application/json", "content-length", "170"),
                    false, null);
            ProcessingResponse rh = ex.next();
            assertThat(rh.getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
                    .as("the rewritten body has another length").contains("content-length");
            String response = "{\"object\":\"chat.completion\",\"model\": \"target-model-v2\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}";
            ex.responseBody(response, true);
            String back = ex.streamedBody(false).text();
            assertThat(back).contains("\"model\": \"client-model\"").doesNotContain("target-model-v2");
        }
        assertThat(recorder.of("req-rewrite").outcome.promptTokens()).isEqualTo(5);
    }

    @Test
    void streamedResponseIsEchoedChunkByChunkWithUsageAndRewrite() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions", "x-request-id", "req-sse",
                    "x-gateway-model-name-rewrite", "big"), false, null);
            ex.requestBody("{\"model\":\"small\",\"prompt\":\"p\",\"stream\":true}".getBytes(StandardCharsets.UTF_8),
                    true);
            ex.next();
            ex.streamedBody(true);
            ex.responseHeaders(Map.of(":status", "200", "content-type", "text/event-stream; charset=utf-8"), false,
                    null);
            ex.next();
            String e1 = "data: {\"object\":\"text_completion\",\"model\":\"big\",\"choices\":[{\"text\":\"a\"}]}\n\n";
            // a match split across two chunks is still rewritten
            String e2a = "data: {\"object\":\"text_completion\",\"mod";
            String e2b = "el\":\"big\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":9}}\n\n";
            ex.responseBody(e1, false);
            ProcessingResponse c1 = ex.next();
            assertThat(c1.getResponseBody().getResponse().getBodyMutation().getStreamedResponse().getBody()
                    .toStringUtf8()).isEqualTo(e1.replace("big", "small"));
            ex.responseBody(e2a, false);
            ex.responseBody(e2b, false);
            ex.responseBody("data: [DONE]\n\n", true);
            String rest = ex.streamedBody(false).text();
            assertThat(rest).isEqualTo((e2a + e2b).replace("\"big\"", "\"small\"") + "data: [DONE]\n\n");
        }
        RecordingObserver.Seen seen = recorder.of("req-sse");
        assertThat(seen.outcome.success()).isTrue();
        assertThat(seen.outcome.promptTokens()).isEqualTo(4);
        assertThat(seen.outcome.completionTokens()).isEqualTo(9);
        assertInFlightIsZero();
    }

    @Test
    void headerValueIsReadFromValueWhenRawValueIsEmpty() throws Exception {
        HeaderMap.Builder map = HeaderMap.newBuilder();
        requestHeaders("/v1/completions").forEach((k, v) -> map.addHeaders(HeaderValue.newBuilder().setKey(k)
                .setValue(v)));
        map.addHeaders(HeaderValue.newBuilder().setKey("x-request-id").setValue("req-value-only"));
        try (Exchange ex = client.open()) {
            ex.send(ProcessingRequest.newBuilder().setProtocolConfig(EnvoyExtProcClient.protocol(MODE))
                    .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(map)).build());
            ex.requestBody(completion("m", "v").getBytes(StandardCharsets.UTF_8), true);
            Map<String, String> set = setHeaders(ex.next().getRequestHeaders().getResponse().getHeaderMutation()
                    .getSetHeadersList());
            assertThat(set).containsEntry("x-request-id", "req-value-only").containsEntry(":path", "/v1/completions");
            ex.streamedBody(true);
        }
    }

    @Test
    void droppedReasonTravelsAsAHeaderOfTheImmediateResponse() {
        ProcessingResponse r = ExtProcMessages.immediate(
                Decision.Rejected.exhausted("queue full", "rejected-saturated"));
        assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(429);
        assertThat(r.getImmediateResponse().getBody().toStringUtf8())
                .isEqualTo("inference error: ResourceExhausted - queue full");
        assertThat(setHeaders(r.getImmediateResponse().getHeaders().getSetHeadersList()))
                .containsExactly(Map.entry("x-llm-d-request-dropped-reason", "rejected-saturated"));
    }

    @Test
    void malformedJsonIs400() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            ex.requestBody("{\"model\": \"m\", \"prompt\": ".getBytes(StandardCharsets.UTF_8), true);
            ProcessingResponse r = ex.next();
            assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
            assertThat(r.getImmediateResponse().getBody().toStringUtf8()).startsWith("inference error: BadRequest - ");
            assertThat(ex.awaitClosed().isOk()).isTrue();
        }
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            ex.requestBodyChunks(completion("m", "y".repeat(300_000)).getBytes(StandardCharsets.UTF_8), 50_000);
            ProcessingResponse r = ex.next();
            assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(413);
            assertThat(ex.awaitClosed().isOk()).isTrue();
        }
    }

    @Test
    void clientCancelAfterSchedulingStillRunsTheCompletionHooks() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions", "x-request-id", "req-cancel"), false, null);
            ex.requestBody(completion("m", "cancel me").getBytes(StandardCharsets.UTF_8), true);
            ex.next();
            ex.streamedBody(true);
            ex.responseHeaders(Map.of(":status", "200", "content-type", "text/event-stream"), false, null);
            ex.next();
            ex.responseBody("data: {\"choices\":[{\"text\":\"par\"}]}\n\n", false);
            ex.next();
            ex.cancel();
        }
        RecordingObserver.Seen seen = recorder.of("req-cancel");
        awaitCompletion(seen);
        assertThat(seen.outcome.success()).isFalse();
        assertThat(seen.completions).isEqualTo(1);
        assertInFlightIsZero();
    }

    @Test
    void streamClosedByTheProxyBeforeTheResponseCompletesTheRequest() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions", "x-request-id", "req-halfclose"), false, null);
            ex.requestBody(completion("m", "bye").getBytes(StandardCharsets.UTF_8), true);
            ex.next();
            ex.streamedBody(true);
            ex.finish();
            assertThat(ex.awaitClosed().isOk()).isTrue();
        }
        RecordingObserver.Seen seen = recorder.of("req-halfclose");
        awaitCompletion(seen);
        assertThat(seen.outcome.success()).isFalse();
        assertInFlightIsZero();
    }

    @Test
    void unexpectedMessageOrderFailsOnlyThatStream() throws Exception {
        try (Exchange ex = client.open()) {
            ex.responseBody("{}", true);
            Status status = ex.awaitClosed();
            assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        }
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            assertThat(ex.awaitClosed().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        }
        // the server still works
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            ex.requestBody(completion("m", "after").getBytes(StandardCharsets.UTF_8), true);
            assertThat(ex.next().hasRequestHeaders()).isTrue();
        }
    }

    @Test
    void bodyEndedByTrailersIsDecidedAtTheTrailers() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(MODE, requestHeaders("/v1/completions"), false, null);
            ex.requestBody(completion("m", "trailers").getBytes(StandardCharsets.UTF_8), false);
            ex.requestTrailers();
            assertThat(ex.next().hasRequestHeaders()).isTrue();
            ProcessingResponse body = ex.next();
            assertThat(body.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getBody()
                    .toStringUtf8()).isEqualTo(completion("m", "trailers"));
            assertThat(ex.next().hasRequestTrailers()).isTrue();
        }
    }

    private static void awaitCompletion(RecordingObserver.Seen seen) throws InterruptedException {
        // the server notices the reset asynchronously; wait for the hook (bounded, not a timing assertion)
        for (int i = 0; i < 400 && seen.outcome == null; i++) {
            Thread.sleep(25);
        }
        assertThat(seen.outcome).as("completion hook ran").isNotNull();
    }

    private void assertInFlightIsZero() throws InterruptedException {
        List<InFlightLoadProducer> producers = scheduler.pluginsOf(InFlightLoadProducer.class);
        assertThat(producers).hasSize(1);
        InFlightLoadProducer load = producers.get(0);
        for (int i = 0; i < 400 && load.snapshot().values().stream().anyMatch(c -> c[0] != 0); i++) {
            Thread.sleep(25);
        }
        assertThat(load.snapshot().values()).allSatisfy(c -> assertThat(c[0]).isZero());
    }
}
