package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.metadataDestination;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;

/**
 * Our own conformance suite for the endpoint-picker protocol: the picker driven exactly as Envoy drives it, in both
 * body modes, checked against what the Gateway API Inference Extension's conformance tests and protocol require of an
 * EPP: traffic follows the steering header (GatewayFollowingEPPRouting, with data-parallel ranks), the destination
 * travels in a header and in {@code envoy.lb} metadata alike, a subset hint limits the choice and an empty or unmatched
 * one is a 503, the served endpoint is read back from the response's metadata, system-owned headers sent by a client
 * are never echoed, and a body that cannot be parsed is a 400.
 */
@QuarkusTest
@TestProfile(ConformanceProfile.class)
class EppConformanceTest {

    private static final String A = "127.0.0.1:18001";
    private static final String B = "127.0.0.2:18002";
    private static final String RANK_1 = "127.0.0.3:3002";
    private static final byte[] BODY = "{\"model\":\"m\",\"prompt\":\"conformance\"}".getBytes(StandardCharsets.UTF_8);

    static EnvoyExtProcClient client;

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

    /** What the picker answered to one request: its routing reply, or its immediate response. */
    private record Routed(String header, String metadata, CommonResponse common, ProcessingResponse reply) {

        int immediateStatus() {
            return reply.hasImmediateResponse() ? reply.getImmediateResponse().getStatus().getCodeValue() : 0;
        }
    }

    /** Sends one request's headers and body in {@code mode}, as Envoy does, and returns the reply that routes it. */
    private static Routed route(Exchange ex, BodySendMode mode, Map<String, String> headers, byte[] body,
            Metadata metadata) throws Exception {
        ex.requestHeaders(mode, headers, false, metadata);
        if (mode == BodySendMode.BUFFERED) {
            ProcessingResponse first = ex.next();
            assertThat(first.hasRequestHeaders()).as("buffered: headers are answered alone first").isTrue();
            ex.requestBody(body, true);
        } else {
            ex.requestBodyChunks(body, 7);
        }
        ProcessingResponse reply = ex.next();
        if (reply.hasImmediateResponse()) {
            return new Routed(null, null, null, reply);
        }
        CommonResponse common = reply.hasRequestBody() && reply.getRequestBody().getResponse().hasHeaderMutation()
                ? reply.getRequestBody().getResponse()
                : reply.getRequestHeaders().getResponse();
        return new Routed(setHeaders(common.getHeaderMutation().getSetHeadersList())
                .get("x-gateway-destination-endpoint"), metadataDestination(reply), common, reply);
    }

    private static Routed steer(BodySendMode mode, String steering) throws Exception {
        try (Exchange ex = client.open()) {
            return route(ex, mode, requestHeaders("/v1/completions", "test-epp-endpoint-selection", steering), BODY,
                    null);
        }
    }

    @Test
    void trafficFollowsThePickerAcrossOneTwoAndThreeNamedPods() throws Exception {
        ExecutorService streams = Executors.newFixedThreadPool(10);
        try {
            for (List<String> named : List.of(List.of(A), List.of(A, B), List.of(A, B, RANK_1))) {
                String header = String.join(",", named);
                List<Future<Routed>> sent = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    BodySendMode mode = i % 2 == 0 ? BodySendMode.FULL_DUPLEX_STREAMED : BodySendMode.BUFFERED;
                    sent.add(streams.submit(() -> steer(mode, header)));
                }
                for (Future<Routed> f : sent) {
                    Routed r = f.get(EnvoyExtProcClient.WAIT_SECONDS, TimeUnit.SECONDS);
                    assertThat(r.header()).as("steered by %s", header).isIn(named);
                    assertThat(r.metadata()).isEqualTo(r.header());
                }
            }
        } finally {
            streams.shutdownNow();
        }
    }

    @Test
    void aDataParallelRankKeepsItsPort() throws Exception {
        for (BodySendMode mode : List.of(BodySendMode.FULL_DUPLEX_STREAMED, BodySendMode.BUFFERED)) {
            for (int i = 0; i < 10; i++) {
                assertThat(steer(mode, RANK_1).header()).isEqualTo(RANK_1);
            }
            // by IP alone, any rank of the pod qualifies and no other pod does
            assertThat(steer(mode, "127.0.0.3").header()).startsWith("127.0.0.3:");
        }
    }

    @Test
    void aSubsetHintLimitsTheChoiceAndAnEmptyOrUnmatchedOneIs503() throws Exception {
        String both = A + "," + B;
        for (BodySendMode mode : List.of(BodySendMode.FULL_DUPLEX_STREAMED, BodySendMode.BUFFERED)) {
            try (Exchange ex = client.open()) {
                Routed r = route(ex, mode, requestHeaders("/v1/completions", "test-epp-endpoint-selection", both),
                        BODY, EnvoyExtProcClient.subsetHint(B));
                assertThat(r.header()).isEqualTo(B);
            }
            for (Metadata hint : List.of(EnvoyExtProcClient.subsetHint(), EnvoyExtProcClient.subsetHint("10.9.9.9:1"))) {
                try (Exchange ex = client.open()) {
                    Routed r = route(ex, mode, requestHeaders("/v1/completions", "test-epp-endpoint-selection", both),
                            BODY, hint);
                    assertThat(r.immediateStatus()).isEqualTo(503);
                    assertThat(r.reply().getImmediateResponse().getBody().toStringUtf8())
                            .startsWith("inference error: ServiceUnavailable");
                }
            }
        }
    }

    @Test
    void theServedEndpointIsReadBackFromTheResponseMetadata() throws Exception {
        String served;
        try (Exchange ex = client.open()) {
            Routed r = route(ex, BodySendMode.BUFFERED, requestHeaders("/v1/completions",
                    "test-epp-endpoint-selection", A + "," + B, "x-request-id", "conformance-served"), BODY, null);
            // the proxy fell back to the other endpoint and says so
            served = A.equals(r.header()) ? B : A;
            ex.responseHeaders(Map.of(":status", "200", "content-type", "application/json"), false,
                    EnvoyExtProcClient.served(served));
            assertThat(ex.next().hasResponseHeaders()).isTrue();
            ex.responseBody("{\"object\":\"text_completion\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}",
                    true);
            ex.next();
        }
        RecordingObserver.Seen seen = recorder.of("conformance-served");
        assertThat(seen.started.address()).as("the endpoint the proxy reports, not the one picked").isEqualTo(served);
        assertThat(seen.completedOn.address()).isEqualTo(served);
        assertThat(seen.outcome.success()).isTrue();
        assertThat(seen.completions).isEqualTo(1);
    }

    @Test
    void systemOwnedHeadersFromTheClientAreNeverEchoed() throws Exception {
        for (BodySendMode mode : List.of(BodySendMode.FULL_DUPLEX_STREAMED, BodySendMode.BUFFERED)) {
            try (Exchange ex = client.open()) {
                Routed r = route(ex, mode, requestHeaders("/v1/completions", "test-epp-endpoint-selection", B,
                        "x-gateway-destination-endpoint", "10.0.0.66:80",
                        "x-gateway-destination-endpoint-served", "10.0.0.66:80", "x-custom", "kept"), BODY, null);
                List<String> destinations = r.common().getHeaderMutation().getSetHeadersList().stream()
                        .map(h -> h.getHeader().getKey()).filter(k -> k.startsWith("x-gateway-destination-endpoint"))
                        .toList();
                assertThat(destinations).containsExactly("x-gateway-destination-endpoint");
                assertThat(r.header()).isEqualTo(B);
                Set<String> keys = setHeaders(r.common().getHeaderMutation().getSetHeadersList()).keySet();
                assertThat(keys).doesNotContain("x-gateway-destination-endpoint-served");
            }
        }
    }

    @Test
    void aBodyThatIsNotJsonIs400InEitherMode() throws Exception {
        for (BodySendMode mode : List.of(BodySendMode.FULL_DUPLEX_STREAMED, BodySendMode.BUFFERED)) {
            try (Exchange ex = client.open()) {
                Routed r = route(ex, mode, requestHeaders("/v1/completions", "test-epp-endpoint-selection", A),
                        "not json".getBytes(StandardCharsets.UTF_8), null);
                assertThat(r.immediateStatus()).isEqualTo(400);
                assertThat(r.reply().getImmediateResponse().getBody().toStringUtf8())
                        .startsWith("inference error: BadRequest");
            }
        }
    }
}
