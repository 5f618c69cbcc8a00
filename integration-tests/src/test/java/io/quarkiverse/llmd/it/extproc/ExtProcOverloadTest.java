package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.netty.util.concurrent.EventExecutor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;

/**
 * ext_proc under pressure: a backlog of decisions beyond the bound is refused at once with the configured status, a
 * stream that goes quiet is ended after the idle timeout, and a connection carries at most the configured number of
 * streams at once.
 */
@QuarkusTest
@TestProfile(ExtProcOverloadTest.Profile.class)
class ExtProcOverloadTest {

    /** Flow control holds requests while the pool is saturated; one decision at a time; streams idle after 3 s. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("quarkus.llmd.ext-proc.secure-serving", "false");
            m.put("quarkus.llmd.ext-proc.max-pending-decisions", "1");
            m.put("quarkus.llmd.ext-proc.overload-status", "429");
            m.put("quarkus.llmd.ext-proc.max-event-loop-lag", "100ms"); // the default, off in the other tests
            m.put("quarkus.llmd.ext-proc.stream-idle-timeout", "3s");
            m.put("quarkus.llmd.ext-proc.max-concurrent-streams-per-connection", "2");
            m.put("quarkus.llmd.config-text", """
                    apiVersion: llm-d.ai/v1alpha1
                    kind: EndpointPickerConfig
                    featureGates: [flowControl]
                    plugins:
                      - type: queue-scorer
                      - type: utilization-detector
                        parameters:
                          metricsStalenessThreshold: 1h
                    schedulingProfiles:
                      - name: default
                        plugins:
                          - pluginRef: queue-scorer
                    saturationDetector:
                      pluginRef: utilization-detector
                    """);
            return m;
        }
    }

    @Inject
    EndpointRegistry registry;

    @Inject
    Vertx vertx;

    private EnvoyExtProcClient client;

    @BeforeEach
    void open() throws Exception {
        client = EnvoyExtProcClient.plaintext();
        // one whole exchange first: in a JVM that has just started, the first one takes seconds on a loaded machine
        // (class loading, interpreted code), longer than this profile's 3 s idle timeout
        kvUsage(0.1);
        try (Exchange warm = client.open()) {
            warm.requestHeaders(BodySendMode.NONE, requestHeaders("/v1/completions"), true, null);
            assertThat(warm.next().hasRequestHeaders()).isTrue();
        }
    }

    @AfterEach
    void close() throws Exception {
        kvUsage(0.1);
        client.close();
    }

    private void kvUsage(double kv) {
        Map<String, EndpointMetrics> metrics = new HashMap<>();
        registry.endpoints().forEach(e -> metrics.put(e.name(), EndpointMetrics.load(0, 1, kv, Instant.now())));
        registry.updateMetrics(metrics);
    }

    @Test
    void decisionsBeyondTheBacklogBoundAreRefusedAtOnceWithTheConfiguredStatus() throws Exception {
        kvUsage(0.95); // saturated: flow control holds the first request
        try (Exchange held = client.open(); Exchange refused = client.open()) {
            held.requestHeaders(BodySendMode.NONE, requestHeaders("/v1/completions"), true, null);
            // the held decision is pending (no reply); the next one finds the backlog full
            assertThat(held.replies.poll(200, TimeUnit.MILLISECONDS)).isNull();
            refused.requestHeaders(BodySendMode.NONE, requestHeaders("/v1/completions"), true, null);
            ProcessingResponse r = refused.next();
            assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(429);
            assertThat(r.getImmediateResponse().getBody().toStringUtf8())
                    .startsWith("inference error: Overloaded - ").contains("1 decisions are already in progress");
            assertThat(held.replies).isEmpty();

            kvUsage(0.1); // room again: the held request is routed
            assertThat(held.next().hasRequestHeaders()).isTrue();
        }
    }

    @Test
    void aStreamThatArrivesWhileTheEventLoopIsBehindIsRefusedBeforeItsDecision() throws Exception {
        kvUsage(0.1);
        // connected first (a connection opened during the stall would send its stream only after the loop is free)
        try (Exchange warm = client.open()) {
            warm.requestHeaders(BodySendMode.NONE, requestHeaders("/v1/completions"), true, null);
            assertThat(warm.next().hasRequestHeaders()).isTrue();
        }
        // every event loop behind by more than max-event-loop-lag (100 ms) twice in a row (the probe runs late in
        // between): the stream is read once they are free, and refused
        List<EventExecutor> loops = new ArrayList<>();
        vertx.nettyEventLoopGroup().forEach(loops::add);
        CountDownLatch stalled = new CountDownLatch(loops.size());
        loops.forEach(loop -> loop.execute(() -> {
            sleep(300);
            loop.schedule(() -> {
                stalled.countDown();
                sleep(600);
            }, 1, TimeUnit.MILLISECONDS);
        }));
        assertThat(stalled.await(EnvoyExtProcClient.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        try (Exchange late = client.open()) {
            late.requestHeaders(BodySendMode.NONE, requestHeaders("/v1/completions"), true, null);
            ProcessingResponse r = late.next();
            assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(429);
            assertThat(r.getImmediateResponse().getBody().toStringUtf8())
                    .isEqualTo("inference error: Overloaded - the endpoint picker is overloaded: its event loop is "
                            + "more than 100 ms behind");
            assertThat(late.closed.get(EnvoyExtProcClient.WAIT_SECONDS, TimeUnit.SECONDS).isOk()).isTrue();
        }
        // once the probe has fired on time again (one period later), streams are decided again
        boolean decided = false;
        for (int attempt = 0; attempt < 100 && !decided; attempt++) {
            try (Exchange next = client.open()) {
                next.requestHeaders(BodySendMode.NONE, requestHeaders("/v1/completions"), true, null);
                decided = next.next().hasRequestHeaders();
            }
            if (!decided) {
                sleep(50);
            }
        }
        assertThat(decided).isTrue();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aQuietStreamIsEndedAndAThirdStreamWaitsWhileTwoAreOpen() throws Exception {
        try (Exchange a = client.open(); Exchange b = client.open()) {
            // BUFFERED: the picker answers the headers and waits for a body that never comes
            a.requestHeaders(BodySendMode.BUFFERED, requestHeaders("/v1/completions"), false, null);
            b.requestHeaders(BodySendMode.BUFFERED, requestHeaders("/v1/completions"), false, null);
            assertThat(a.next().hasRequestHeaders()).isTrue();
            assertThat(b.next().hasRequestHeaders()).isTrue();
            try (Exchange c = client.open()) {
                c.requestHeaders(BodySendMode.BUFFERED, requestHeaders("/v1/completions"), false, null);
                // two streams per connection: c waits while a and b are open...
                assertThat(c.replies.poll(500, TimeUnit.MILLISECONDS)).isNull();
                // ...and the idle timeout ends both
                for (Exchange quiet : List.of(a, b)) {
                    Status ended = quiet.closed.get(EnvoyExtProcClient.WAIT_SECONDS, TimeUnit.SECONDS);
                    assertThat(ended.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(ended.getDescription()).contains("idle");
                }
                // Not asserted: that c then starts. The Java gRPC client creates a stream that waited for a room
                // while it reads the frame that closed another, and nothing flushes it: measured, c started with
                // the client's next write on the connection when there was one, and in 3 of 8 runs not even then.
                // That is the client's queue, not the picker's, which only advertises the limit and ends quiet
                // streams (asserted above).
            }
        }
    }
}
