package io.quarkiverse.llmd.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency.ConcurrencyDetector;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.pool.EndpointHealth;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;

/** The request lifecycle every edge drives: exactly-once completion, typed retries, observers, pools. */
class RequestPipelineTest {

    private static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: inflight-load-producer
            - type: queue-scorer
            - type: max-score-picker
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
            """;

    /** A clock the test moves by hand, for both the wall clock and the monotonic time. */
    static final class TestClock extends Clock {
        long nanos = 1_000_000_000L;

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
            return Instant.ofEpochSecond(0, nanos);
        }

        void advance(Duration d) {
            nanos += d.toNanos();
        }
    }

    private final TestClock clock = new TestClock();
    private final EndpointRegistry registry = new EndpointRegistry();
    private final List<RequestRecord> records = new CopyOnWriteArrayList<>();
    private final List<Decision.Rejected> rejections = new CopyOnWriteArrayList<>();
    private EndpointPickerConfigLoader.Loaded loaded;

    private RequestPipeline pipeline(String pool, EndpointRegistry endpoints) {
        loaded = new EndpointPickerConfigLoader(FlowControlPolicies.register(BuiltInPlugins.registry()))
                .load("test.yaml", CONFIG);
        RequestPipeline p = new RequestPipeline(pool, loaded.scheduler(), endpoints::endpoints, Admission.ALWAYS,
                Map.of(), clock, PipelineMetrics.NOOP, () -> clock.nanos);
        p.observeRequests(new RequestObserver() {
            @Override
            public void completed(RequestRecord record) {
                records.add(record);
            }

            @Override
            public void rejected(String poolName, io.quarkiverse.llmd.engine.request.InferenceRequest request,
                    Decision.Rejected rejection) {
                rejections.add(rejection);
            }
        });
        return p;
    }

    private RequestPipeline pipeline() {
        return pipeline("p", registry);
    }

    /** Several endpoints on one IP, told apart only by port (a local fleet, or pods sharing a host network). */
    private void oneIp(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Endpoint.of("pod-" + i, "10.0.0.1:" + (8000 + i), Map.of()));
        }
        registry.replaceAll(list);
    }

    private static byte[] chat(String model) {
        return ("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private RoutedRequest route(RequestPipeline p, String model) {
        Decision d = p.submit("/v1/chat/completions", Map.of(), chat(model), null).join();
        assertThat(d).isInstanceOf(RoutedRequest.class);
        return (RoutedRequest) d;
    }

    private long inFlight(String endpoint) {
        long[] counts = loaded.scheduler().pluginsOf(InFlightLoadProducer.class).get(0).snapshot().get(endpoint);
        return counts == null ? 0 : counts[0];
    }

    /** A saturation detector that always reports the same value. */
    private static io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector saturation(double value) {
        return new io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector() {
            @Override
            public double saturation(io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext context,
                    List<Endpoint> candidates) {
                return value;
            }

            @Override
            public io.quarkiverse.llmd.engine.framework.plugin.TypedName typedName() {
                return new io.quarkiverse.llmd.engine.framework.plugin.TypedName("fixed-detector", "fixed");
            }
        };
    }

    @Test
    void aRetryNeverLandsOnAFailedEndpointWhenAllPodsShareAnIp() {
        oneIp(3);
        RequestPipeline p = pipeline();
        RoutedRequest r = route(p, "m");
        Set<String> tried = new HashSet<>();
        tried.add(r.served().name());
        assertThat(r.retryExcluding(r.served())).isTrue();
        assertThat(tried).doesNotContain(r.served().name());
        tried.add(r.served().name());
        assertThat(r.retryExcluding(r.served())).isTrue();
        assertThat(tried).doesNotContain(r.served().name());
        tried.add(r.served().name());
        // every pod failed once: nowhere left, and the request still completes exactly once
        assertThat(r.retryExcluding(r.served())).isFalse();
        r.complete(ResponseOutcome.FAILED);
        assertThat(tried).hasSize(3);
        assertThat(records).singleElement().satisfies(rec -> {
            assertThat(rec.attempts()).isEqualTo(3);
            assertThat(rec.success()).isFalse();
        });
        // each attempt's in-flight count was released: no pod stays loaded by a request that left it
        for (int i = 0; i < 3; i++) {
            assertThat(inFlight("pod-" + i)).isZero();
        }
    }

    @Test
    void theRecordCarriesTheServingEndpointsMetricsAtDispatchSoTheBatchOverTheRequestsLifeCanBeTold() {
        registry.replaceAll(List.of(Endpoint.of("pod-0", "10.0.0.1:8000", Map.of())));
        registry.updateMetrics("pod-0", EndpointMetrics.load(0, 2, 0.1, Instant.ofEpochSecond(1)));
        RequestPipeline p = pipeline();
        RoutedRequest r = route(p, "m");
        for (int running : new int[] { 6, 10 }) { // scrapes while it runs
            registry.updateMetrics("pod-0", EndpointMetrics.load(0, running, 0.1, Instant.ofEpochSecond(running)));
        }
        r.complete(ResponseOutcome.succeeded(10, 5, 0));
        EndpointMetrics now = registry.snapshot().byName().get("pod-0").metrics();
        assertThat(records).singleElement().satisfies(rec -> {
            assertThat(rec.endpointMetrics().runningRequestsSize()).isEqualTo(2);
            assertThat(now.meanRunningSince(rec.endpointMetrics())).isEqualTo(8.0);
        });
    }

    @Test
    void aRetryIsNotAdmittedAgain() {
        oneIp(2);
        int[] admissions = { 0 };
        loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("test.yaml", CONFIG);
        RequestPipeline p = new RequestPipeline("p", loaded.scheduler(), registry::endpoints, (c, e, prio) -> {
            admissions[0]++;
            return null;
        }, Map.of(), clock, PipelineMetrics.NOOP, () -> clock.nanos);
        RoutedRequest r = (RoutedRequest) p.submit("/v1/chat/completions", Map.of(), chat("m"), null).join();
        assertThat(r.retryExcluding(r.served())).isTrue();
        assertThat(admissions[0]).isEqualTo(1);
    }

    @Test
    void completionRunsOnceWhateverCallsIt() {
        oneIp(2);
        RequestPipeline p = pipeline();
        RoutedRequest r = route(p, "m");
        clock.advance(Duration.ofMillis(20));
        r.responseStarted(null);
        r.firstChunk();
        clock.advance(Duration.ofMillis(80));
        r.complete(ResponseOutcome.succeeded(10, 5, 4)); // the upstream ended
        r.complete(ResponseOutcome.FAILED); // then the client disconnected: nothing more happens
        assertThat(records).singleElement().satisfies(rec -> {
            assertThat(rec.success()).isTrue();
            assertThat(rec.ttftNanos()).isEqualTo(Duration.ofMillis(20).toNanos());
            assertThat(rec.lastTokenNanos() - rec.receivedNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
            assertThat(rec.tpotNanos()).isEqualTo(Duration.ofMillis(20).toNanos());
            assertThat(rec.promptTokens()).isEqualTo(10);
            assertThat(rec.cachedTokens()).isEqualTo(4);
            assertThat(rec.pool()).isEqualTo("p");
        });
        assertThat(inFlight(r.served().name())).isZero();
    }

    @Test
    void aClientCancellationWhileStreamingCompletesOnceAsAFailure() {
        oneIp(1);
        RoutedRequest r = route(pipeline(), "m");
        r.responseStarted(null);
        r.firstChunk();
        r.complete(ResponseOutcome.FAILED); // client gone
        r.complete(ResponseOutcome.succeeded(1, 1, 0)); // the upstream's late end changes nothing
        assertThat(records).singleElement().satisfies(rec -> assertThat(rec.success()).isFalse());
        assertThat(inFlight("pod-0")).isZero();
    }

    private PendingDecision queuedBehindASaturatedPool(RequestPipeline p, String ttl) {
        com.fasterxml.jackson.databind.node.ObjectNode section = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("defaultRequestTTL", ttl);
        FlowControlConfig fc = FlowControlConfig.parse("test", section, loaded.scheduler().plugins()::get);
        SaturationProbe saturated = new SaturationProbe(saturation(2.0), loaded.scheduler());
        p.enableFlowControl(fc, saturated, FlowTicker.MANUAL, Duration.ofMillis(5), Duration.ZERO, 10, null);
        PendingDecision pending = p.submit("/v1/chat/completions", Map.of(), chat("m"), null);
        p.runFlowControlCycle();
        assertThat(pending.isDone()).as("the pool is saturated: the request waits").isFalse();
        return pending;
    }

    @Test
    void theAdmissionLimitsAreThePoolDetectorsAndNoneWithoutFlowControl() {
        oneIp(2);
        RequestPipeline p = pipeline();
        assertThat(p.admissionLimits(registry.endpoints())).containsExactly(0.0, 0.0);
        FlowControlConfig fc = FlowControlConfig.parse("test", new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("defaultRequestTTL", "30s"), loaded.scheduler().plugins()::get);
        ConcurrencyDetector detector = new ConcurrencyDetector("cd",
                new ConcurrencyDetector.Params("tokens", null, 10_000L, null, null, null));
        p.enableFlowControl(fc, new SaturationProbe(detector, loaded.scheduler()), FlowTicker.MANUAL,
                Duration.ofMillis(5), Duration.ZERO, 10, null);
        PendingDecision pending = p.submit("/v1/chat/completions", Map.of(), chat("m"), null);
        p.runFlowControlCycle(); // the manual ticker: dispatch now
        RoutedRequest r = (RoutedRequest) pending.join();
        String served = r.served().name();
        long[] booked = loaded.scheduler().pluginsOf(InFlightLoadProducer.class).get(0).snapshot().get(served);
        double[] limits = p.admissionLimits(registry.endpoints());
        // the serving pod: its 10,000 tokens at what its one request booked; the idle one gives no request size
        int servedAt = registry.endpoints().get(0).name().equals(served) ? 0 : 1;
        assertThat(limits[servedAt]).isCloseTo(10_000.0 / booked[1], within(1e-9)).isGreaterThan(1);
        assertThat(limits[1 - servedAt]).isZero();
        r.complete(ResponseOutcome.succeeded(1, 1, 0));
    }

    @Test
    void aRequestExpiringInFlowControlIsRejectedOnceWith429WhileThePoolHasEndpoints() {
        oneIp(1);
        RequestPipeline p = pipeline();
        PendingDecision pending = queuedBehindASaturatedPool(p, "1s");
        clock.advance(Duration.ofMillis(1_001));
        p.runFlowControlCycle();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired");
        });
        pending.cancel(); // the client leaves afterwards: nothing more happens
        p.runFlowControlCycle();
        assertThat(rejections).hasSize(1);
        assertThat(records).isEmpty();
    }

    @Test
    void aRequestExpiringWithNoEndpointLeftIsRejectedWith503NoEndpoints() {
        oneIp(1);
        RequestPipeline p = pipeline();
        PendingDecision pending = queuedBehindASaturatedPool(p, "1s");
        registry.replaceAll(List.of()); // the last pod went away while the request waited
        clock.advance(Duration.ofSeconds(2));
        p.runFlowControlCycle();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.droppedReason()).isEqualTo("rejected-no-endpoints");
        });
    }

    @Test
    void aClientLeavingTheFlowControlQueueIsRejectedOnce() {
        oneIp(1);
        RequestPipeline p = pipeline();
        PendingDecision pending = queuedBehindASaturatedPool(p, "60s");
        assertThat(pending.cancel()).isTrue();
        assertThat(pending.cancel()).isFalse();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.droppedReason()).isEqualTo("rejected-context-cancelled"));
        p.runFlowControlCycle();
        assertThat(rejections).hasSize(1);
        assertThat(records).isEmpty();
    }

    @Test
    void aRequestWaitsInFlowControlForTheFirstEndpointOfAnEmptyPool() {
        RequestPipeline p = pipeline();
        FlowControlConfig fc = FlowControlConfig.parse("test", null, loaded.scheduler().plugins()::get);
        SaturationProbe idle = new SaturationProbe(saturation(0.0), loaded.scheduler());
        p.enableFlowControl(fc, idle, FlowTicker.MANUAL, Duration.ofMillis(5), Duration.ZERO, 10, null);
        PendingDecision pending = p.submit("/v1/chat/completions", Map.of(), chat("m"), null);
        p.runFlowControlCycle();
        assertThat(pending.isDone()).as("no endpoint yet: the request waits").isFalse();
        oneIp(1); // the first pod of a pool scaled from zero becomes ready
        p.runFlowControlCycle();
        assertThat(pending.join()).isInstanceOfSatisfying(RoutedRequest.class,
                r -> assertThat(r.served().name()).isEqualTo("pod-0"));
    }

    @Test
    void anEmptyPoolWithoutFlowControlAnswers503NoEndpoints() {
        Decision d = pipeline().submit("/v1/chat/completions", Map.of(), chat("m"), null).join();
        assertThat(d).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.droppedReason()).isEqualTo("rejected-no-endpoints");
        });
    }

    @Test
    void decisionObserversFanOut() {
        oneIp(2);
        RequestPipeline p = pipeline();
        List<String> seen = new CopyOnWriteArrayList<>();
        Runnable stopA = p.observe(observer(seen, "a"));
        p.observe(observer(seen, "b"));
        route(p, "m").complete(ResponseOutcome.FAILED);
        stopA.run();
        route(p, "m").complete(ResponseOutcome.FAILED);
        assertThat(seen).containsExactly("a", "b", "b");
    }

    private static DecisionObserver observer(List<String> seen, String name) {
        return new DecisionObserver() {
            @Override
            public io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace trace() {
                return null;
            }

            @Override
            public void decided(io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext context,
                    io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult result) {
                seen.add(name);
            }
        };
    }

    @Test
    void legacyHeaderNamesAreAliasesOfTheV010Ones() {
        oneIp(1);
        loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("test.yaml", CONFIG);
        RequestPipeline p = new RequestPipeline("p", loaded.scheduler(), registry::endpoints, Admission.ALWAYS,
                Map.of("critical", 7), clock, PipelineMetrics.NOOP, () -> clock.nanos);
        RoutedRequest legacy = (RoutedRequest) p.submit("/v1/chat/completions",
                Map.of("x-gateway-inference-objective", "critical", "x-gateway-inference-fairness-id", "t1"),
                chat("m"), null).join();
        RoutedRequest current = (RoutedRequest) p.submit("/v1/chat/completions",
                Map.of("x-llm-d-inference-objective", "critical", "x-llm-d-inference-fairness-id", "t2"),
                chat("m"), null).join();
        assertThat(legacy.priority()).isEqualTo(7);
        assertThat(legacy.fairnessId()).isEqualTo("t1");
        assertThat(current.priority()).isEqualTo(7);
        assertThat(current.fairnessId()).isEqualTo("t2");
    }

    @Test
    void poolsRouteByModelAndRefuseUnknownModelsNamingTheServedOnes() {
        EndpointRegistry a = new EndpointRegistry();
        a.replaceAll(List.of(Endpoint.of("a-0", "10.0.1.1:8000", Map.of())));
        EndpointRegistry b = new EndpointRegistry();
        b.replaceAll(List.of(Endpoint.of("b-0", "10.0.2.1:8000", Map.of())));
        Pools pools = new Pools(List.of(new Pool("pa", Set.of("llama"), a, pipeline("pa", a)),
                new Pool("pb", Set.of("qwen"), b, pipeline("pb", b))));
        Decision toA = pools.submit(null, "/v1/chat/completions", Map.of(), chat("llama"), null).join();
        Decision toB = pools.submit(null, "/v1/chat/completions", Map.of(), chat("qwen"), null).join();
        assertThat(((RoutedRequest) toA).served().name()).isEqualTo("a-0");
        assertThat(((RoutedRequest) toB).served().name()).isEqualTo("b-0");
        assertThat(((RoutedRequest) toB).pool()).isEqualTo("pb");
        Decision unknown = pools.submit(null, "/v1/chat/completions", Map.of(), chat("gpt-9"), null).join();
        assertThat(unknown).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.message()).contains("gpt-9").contains("llama").contains("qwen");
        });
        // the route may name the pool; a header-only request goes through the pipeline and completes
        Decision byName = pools.submit("pb", "/v1/completions", Map.of(), new byte[0], null).join();
        assertThat(byName).isInstanceOf(RoutedRequest.class);
        ((RoutedRequest) byName).complete(ResponseOutcome.FAILED);
        assertThat(records).extracting(RequestRecord::pool).containsExactly("pb");
    }

    @Test
    void failuresReportedByTheEdgeEjectAnEndpointUntilItsTimeIsUp() {
        oneIp(3);
        RequestPipeline p = pipeline();
        p.health().useSettings(new EndpointHealth.Settings(2, Duration.ofSeconds(10), Duration.ofSeconds(60), 50));
        RoutedRequest r = route(p, "m");
        Endpoint sick = r.served();
        r.upstreamFailed(sick, EndpointHealth.Failure.TIMEOUT);
        assertThat(r.retryExcluding(sick)).isTrue();
        r.responseStarted(r.served(), 200);
        r.complete(ResponseOutcome.succeeded(1, 1, 0));
        RoutedRequest again = route(p, "m");
        again.responseStarted(sick, 503); // a 5xx head from the same pod: its second failure in a row
        again.complete(ResponseOutcome.FAILED);
        assertThat(p.health().state(sick.name(), clock.nanos)).isEqualTo(EndpointHealth.State.EJECTED);
        for (int i = 0; i < 20; i++) {
            RoutedRequest next = route(p, "m");
            assertThat(next.served().name()).as("an ejected endpoint gets no new request").isNotEqualTo(sick.name());
            assertThat(next.targets()).extracting(Endpoint::name).doesNotContain(sick.name());
            next.complete(ResponseOutcome.FAILED);
        }
        assertThat(p.schedulableEndpoints()).hasSize(2);
        clock.advance(Duration.ofSeconds(10));
        assertThat(p.schedulableEndpoints()).hasSize(3);
    }

    @Test
    void aRehearsalDecidesLikeARequestAndLeavesNoTrace() {
        oneIp(3);
        RequestPipeline p = pipeline();
        p.health().useSettings(new EndpointHealth.Settings(1, Duration.ofSeconds(10), Duration.ofSeconds(60), 50));
        List<String> seen = new ArrayList<>();
        p.observe(observer(seen, "o"));
        Pools pools = new Pools(List.of(new Pool("p", Set.of("m"), registry, p)));

        Decision d = pools.rehearse(null, "/v1/chat/completions", Map.of(), chat("m"), null).join();
        assertThat(d).isInstanceOfSatisfying(RoutedRequest.class, r -> {
            assertThat(r.isRehearsal()).isTrue();
            assertThat(r.destinationHeader()).startsWith("10.0.0.1:");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("hello there");
            // the whole response side, a 5xx included, reports nothing
            r.responseStarted(r.served(), 503);
            r.upstreamFailed(r.served(), EndpointHealth.Failure.TIMEOUT);
            assertThat(r.retryExcluding(r.served())).isFalse();
            r.firstChunk();
            r.complete(ResponseOutcome.succeeded(10, 5, 0));
            assertThat(p.health().state(r.served().name(), clock.nanos)).isEqualTo(EndpointHealth.State.HEALTHY);
        });
        for (int i = 0; i < 3; i++) {
            assertThat(inFlight("pod-" + i)).as("no in-flight count for a rehearsal").isZero();
        }
        assertThat(seen).as("observers see no rehearsal").isEmpty();
        assertThat(records).isEmpty();
        assertThat(rejections).isEmpty();

        // the same request for real is counted, observed and recorded: what the rehearsal left out
        RoutedRequest real = (RoutedRequest) pools.submit(null, "/v1/chat/completions", Map.of(), chat("m"), null)
                .join();
        assertThat(real.isRehearsal()).isFalse();
        assertThat(inFlight(real.served().name())).isEqualTo(1);
        real.complete(ResponseOutcome.succeeded(10, 5, 0));
        assertThat(seen).containsExactly("o");
        assertThat(records).hasSize(1);
    }

    @Test
    void aPoolWithoutEndpointsRehearsesOnDocumentationAddresses() {
        RequestPipeline p = pipeline();
        Pools pools = new Pools(List.of(new Pool("p", Set.of("m"), registry, p)));
        Decision real = pools.submit(null, "/v1/chat/completions", Map.of(), chat("m"), null).join();
        assertThat(real).isInstanceOf(Decision.Rejected.class);
        Decision d = pools.rehearse(null, "/v1/chat/completions", Map.of(), chat("m"), null).join();
        assertThat(d).isInstanceOfSatisfying(RoutedRequest.class,
                r -> assertThat(r.destinationHeader()).startsWith("192.0.2."));
        // a body the parser refuses is refused in a rehearsal too
        Decision bad = pools.rehearse(null, "/v1/chat/completions", Map.of(), "{".getBytes(StandardCharsets.UTF_8),
                null).join();
        assertThat(bad).isInstanceOfSatisfying(Decision.Rejected.class, r -> assertThat(r.status()).isEqualTo(400));
    }
}
