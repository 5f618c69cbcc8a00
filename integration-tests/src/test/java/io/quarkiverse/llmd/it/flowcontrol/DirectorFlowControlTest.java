package io.quarkiverse.llmd.it.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.FlowTicker;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pipeline.SaturationProbe;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;

/**
 * The director with flow control in virtual time: a hand-moved clock and a manual ticker, no Quarkus, no timers.
 */
class DirectorFlowControlTest {

    /** A clock moved by hand; nanoTime is derived from it. */
    static final class VirtualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        long nanos() {
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final VirtualClock clock = new VirtualClock();
    private final EndpointRegistry registry = new EndpointRegistry();

    private RequestPipeline director(String yaml, boolean flowControl) {
        var loader = new EndpointPickerConfigLoader(FlowControlPolicies.register(BuiltInPlugins.registry()));
        var loaded = loader.load("test", yaml);
        var probe = new SaturationProbe(loaded.saturationDetector(), loaded.scheduler());
        var director = new RequestPipeline(loaded.scheduler(), registry, Admission.legacy(probe, null),
                Map.of("batch", -1, "critical", 10), clock, EppMetrics.NOOP, clock::nanos);
        if (flowControl) {
            director.enableFlowControl(FlowControlConfig.parse("test", loaded.config().flowControl(),
                    loaded.scheduler().plugins()::get), probe, FlowTicker.MANUAL, Duration.ofMillis(5), Duration.ZERO,
                    100, null);
        }
        return director;
    }

    private void endpoints(String... names) {
        List<Endpoint> list = new java.util.ArrayList<>();
        int i = 1;
        for (String n : names) {
            list.add(Endpoint.of(n, "10.0.0." + i + ":8000", Map.of()));
            i++;
        }
        registry.replaceAll(list);
    }

    private void kv(double usage) {
        Map<String, EndpointMetrics> m = new HashMap<>();
        registry.endpoints().forEach(e -> m.put(e.name(), EndpointMetrics.load(0, 0, usage, clock.instant())));
        registry.updateMetrics(m);
    }

    private static PendingDecision submit(RequestPipeline d, String objective) {
        return d.submit("/v1/completions", objective == null ? Map.of()
                : Map.of("x-gateway-inference-objective", objective),
                "{\"model\":\"m\",\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8), null);
    }

    private static final String UTILIZATION = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            featureGates: [flowControl]
            plugins:
              - type: queue-scorer
            flowControl:
              defaultRequestTTL: 1s
            """;

    private static final String CONCURRENCY = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
              - type: queue-scorer
              - type: concurrency-detector
                parameters:
                  maxConcurrency: 1
            schedulingProfiles:
              - name: default
                plugins:
                  - pluginRef: queue-scorer
            saturationDetector:
              pluginRef: concurrency-detector
            """;

    @Test
    void ttlExpiresInVirtualTime() throws Exception {
        endpoints("ns/a-rank-0");
        kv(0.99);
        RequestPipeline d = director(UTILIZATION, true);
        PendingDecision p = submit(d, null);
        clock.advance(Duration.ofMillis(999));
        kv(0.99);
        d.runFlowControlCycle();
        assertThat(p.isDone()).isFalse();
        clock.advance(Duration.ofMillis(1));
        d.runFlowControlCycle();
        assertThat(p.getNow(null)).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(429); // llm-d v0.10: expiry with endpoints is an overload
            assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired");
        });
    }

    @Test
    void releasedRequestIsScheduledAgainstTheEndpointsOfThatMoment() throws Exception {
        endpoints("ns/a-rank-0");
        kv(0.99);
        RequestPipeline d = director(UTILIZATION, true);
        PendingDecision p = submit(d, null);
        d.runFlowControlCycle();
        assertThat(p.isDone()).isFalse();

        endpoints("ns/b-rank-0"); // a left the pool while the request waited
        kv(0.1);
        d.runFlowControlCycle();
        assertThat(p.getNow(null)).isInstanceOfSatisfying(RoutedRequest.class,
                r -> assertThat(r.served().name()).isEqualTo("ns/b-rank-0"));
    }

    @Test
    void staleMetricsKeepRequestsQueued() {
        endpoints("ns/a-rank-0");
        kv(0.1);
        RequestPipeline d = director(UTILIZATION, true);
        clock.advance(Duration.ofSeconds(5)); // default metricsStalenessThreshold is 200ms: stale counts as saturated
        PendingDecision p = submit(d, null);
        d.runFlowControlCycle();
        assertThat(p.isDone()).isFalse();
        assertThat(p.cancel()).isTrue();
        assertThat(((Decision.Rejected) p.getNow(null)).droppedReason()).isEqualTo("rejected-context-cancelled");
    }

    @Test
    void concurrencyDetectorSeesInFlightRequestsAtDispatch() {
        endpoints("ns/a-rank-0");
        RequestPipeline d = director(CONCURRENCY + "featureGates: [flowControl]\n", true);
        PendingDecision first = submit(d, null);
        PendingDecision second = submit(d, null);
        d.runFlowControlCycle();
        assertThat(first.getNow(null)).isInstanceOf(RoutedRequest.class);
        assertThat(second.isDone()).as("one request in flight fills maxConcurrency 1").isFalse();

        ((RoutedRequest) first.getNow(null)).complete(ResponseOutcome.succeeded(1, 1, 0));
        d.runFlowControlCycle();
        assertThat(second.getNow(null)).isInstanceOf(RoutedRequest.class);
    }

    @Test
    void legacyAdmissionWithConcurrencyDetectorShedsOnlySheddable() {
        endpoints("ns/a-rank-0");
        RequestPipeline d = director(CONCURRENCY, false);
        RoutedRequest busy = (RoutedRequest) submit(d, null).getNow(null);
        assertThat(submit(d, "batch").getNow(null)).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(429));
        RoutedRequest critical = (RoutedRequest) submit(d, "critical").getNow(null);
        busy.complete(ResponseOutcome.FAILED);
        critical.complete(ResponseOutcome.FAILED);
        assertThat(submit(d, "batch").getNow(null)).isInstanceOf(RoutedRequest.class);
    }
}
