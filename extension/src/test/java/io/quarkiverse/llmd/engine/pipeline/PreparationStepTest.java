package io.quarkiverse.llmd.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * The pipeline's asynchronous preparation step: a producer that needs I/O returns a stage, and the request is
 * scheduled once it completes, with cancellation, TTL and exactly-once completion as for any other request.
 */
class PreparationStepTest {

    private static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: slow-tokens
            - type: inflight-load-producer
            - type: queue-scorer
            - type: max-score-picker
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
            """;

    /** What the synchronous {@code produce} puts when nothing was prepared: recognisable, unlike real ids. */
    private static final TokenizedPrompt FALLBACK = new TokenizedPrompt(new int[] { -1 }, true);

    /** A token producer whose preparation the test completes by hand. */
    static final class SlowTokens implements AsyncDataProducer<TokenizedPrompt> {
        final List<CompletableFuture<TokenizedPrompt>> started = new CopyOnWriteArrayList<>();
        /** When set, prepare returns this stage (already complete, say) instead of a new one. */
        volatile CompletableFuture<TokenizedPrompt> next;

        @Override
        public DataKey<TokenizedPrompt> preparedKey() {
            return TokenizedPrompt.KEY;
        }

        @Override
        public CompletionStage<TokenizedPrompt> prepare(InferenceRequest request, byte[] body) {
            CompletableFuture<TokenizedPrompt> stage = next != null ? next : new CompletableFuture<>();
            started.add(stage);
            return stage;
        }

        @Override
        public Set<DataKey<?>> produces() {
            return Set.of(TokenizedPrompt.KEY);
        }

        @Override
        public void produce(SchedulingContext context, List<Endpoint> candidates) {
            if (context.get(TokenizedPrompt.KEY) == null) {
                context.put(TokenizedPrompt.KEY, FALLBACK);
            }
        }

        @Override
        public TypedName typedName() {
            return new TypedName("slow-tokens", "slow-tokens");
        }
    }

    /** A saturation detector the test sets. */
    static final class Saturation implements SaturationDetector {
        volatile double value;

        @Override
        public double saturation(SchedulingContext context, List<Endpoint> candidates) {
            return value;
        }

        @Override
        public TypedName typedName() {
            return new TypedName("fixed-detector", "fixed");
        }
    }

    private final RequestPipelineTest.TestClock clock = new RequestPipelineTest.TestClock();
    private final EndpointRegistry registry = new EndpointRegistry();
    private final SlowTokens tokens = new SlowTokens();
    private final Saturation saturation = new Saturation();
    private final List<TokenizedPrompt> scheduledWith = new CopyOnWriteArrayList<>();
    private final List<RequestRecord> records = new CopyOnWriteArrayList<>();
    private final List<Decision.Rejected> rejections = new CopyOnWriteArrayList<>();
    private EndpointPickerConfigLoader.Loaded loaded;

    @BeforeEach
    void fleet() {
        registry.replaceAll(List.of(Endpoint.of("pod-0", "10.0.0.1:8000", Map.of()),
                Endpoint.of("pod-1", "10.0.0.2:8000", Map.of())));
    }

    private void load() {
        loaded = new EndpointPickerConfigLoader(FlowControlPolicies.register(BuiltInPlugins.registry())
                .register("slow-tokens", (name, params, handle) -> tokens)).load("test.yaml", CONFIG);
    }

    private RequestPipeline pipeline(Admission admission) {
        if (loaded == null) {
            load();
        }
        RequestPipeline p = new RequestPipeline("p", loaded.scheduler(), registry::endpoints, admission, Map.of(),
                clock, PipelineMetrics.NOOP, () -> clock.nanos);
        p.observe(new DecisionObserver() {
            @Override
            public io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace trace() {
                return null;
            }

            @Override
            public void decided(SchedulingContext context, SchedulingResult result) {
                scheduledWith.add(context.get(TokenizedPrompt.KEY));
            }
        });
        p.observeRequests(new RequestObserver() {
            @Override
            public void completed(RequestRecord record) {
                records.add(record);
            }

            @Override
            public void rejected(String pool, InferenceRequest request, Decision.Rejected rejection) {
                rejections.add(rejection);
            }
        });
        return p;
    }

    private RequestPipeline pipeline() {
        return pipeline(Admission.ALWAYS);
    }

    private RequestPipeline withFlowControl(String ttl) {
        RequestPipeline p = pipeline();
        FlowControlConfig fc = FlowControlConfig.parse("test",
                new ObjectMapper().createObjectNode().put("defaultRequestTTL", ttl), loaded.scheduler().plugins()::get);
        p.enableFlowControl(fc, new SaturationProbe(saturation, loaded.scheduler()), FlowTicker.MANUAL,
                Duration.ofMillis(5), Duration.ZERO, 10, null);
        return p;
    }

    private static PendingDecision submit(RequestPipeline p) {
        return p.submit("/v1/completions", Map.of(),
                "{\"model\":\"m\",\"prompt\":\"hello there\"}".getBytes(StandardCharsets.UTF_8), null);
    }

    private long inFlight() {
        long total = 0;
        for (long[] counts : loaded.scheduler().pluginsOf(InFlightLoadProducer.class).get(0).snapshot().values()) {
            total += counts[0];
        }
        return total;
    }

    private static TokenizedPrompt rendered(int... ids) {
        return new TokenizedPrompt(ids, false);
    }

    @Test
    void aRequestIsScheduledOnlyOnceItsPreparationCompletesAndWithItsData() {
        RequestPipeline p = pipeline();
        PendingDecision pending = submit(p);
        assertThat(pending.isDone()).isFalse();
        assertThat(pending.preparing()).isTrue();
        assertThat(scheduledWith).as("nothing scheduled while the data is on its way").isEmpty();

        tokens.started.get(0).complete(rendered(7, 8, 9));

        assertThat(pending.preparing()).isFalse();
        assertThat(pending.join()).isInstanceOf(RoutedRequest.class);
        assertThat(scheduledWith).containsExactly(rendered(7, 8, 9));
        assertThat(inFlight()).isOne();
        ((RoutedRequest) pending.join()).complete(ResponseOutcome.succeeded(3, 1, 0));
        assertThat(records).hasSize(1);
        assertThat(inFlight()).isZero();
    }

    @Test
    void aStageAlreadyCompleteKeepsThePipelineSynchronousAsTheClusterSimulatorNeeds() {
        RequestPipeline p = pipeline();
        tokens.next = CompletableFuture.completedFuture(rendered(1, 2));
        PendingDecision pending = submit(p);
        assertThat(pending.isDone()).as("decided on return, on the caller's thread").isTrue();
        assertThat(pending.join()).isInstanceOf(RoutedRequest.class);
        assertThat(scheduledWith).containsExactly(rendered(1, 2));
    }

    @Test
    void aFailedPreparationStillServesTheRequestWithTheProducersFallback() {
        RequestPipeline p = pipeline();
        PendingDecision pending = submit(p);
        tokens.started.get(0).completeExceptionally(new IllegalStateException("render service down"));
        assertThat(pending.join()).isInstanceOf(RoutedRequest.class);
        assertThat(scheduledWith).containsExactly(FALLBACK);
        assertThat(rejections).isEmpty();
    }

    @Test
    void aRetryIsScheduledWithTheSamePreparedDataWithoutPreparingAgain() {
        RequestPipeline p = pipeline();
        PendingDecision pending = submit(p);
        tokens.started.get(0).complete(rendered(4, 2));
        RoutedRequest routed = (RoutedRequest) pending.join();
        assertThat(routed.retryExcluding(routed.served())).isTrue();
        assertThat(scheduledWith).containsExactly(rendered(4, 2), rendered(4, 2));
        assertThat(tokens.started).hasSize(1);
        routed.complete(ResponseOutcome.FAILED);
        assertThat(inFlight()).isZero();
    }

    @Test
    void aClientLeavingWhilePreparingIsRefusedOnceAndTheLateDataSchedulesNothing() {
        RequestPipeline p = pipeline();
        PendingDecision pending = submit(p);
        assertThat(pending.cancel()).isTrue();
        assertThat(pending.cancel()).as("only the first cancellation acts").isFalse();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.droppedReason()).isEqualTo("rejected-context-cancelled");
        });

        tokens.started.get(0).complete(rendered(1));

        assertThat(scheduledWith).isEmpty();
        assertThat(inFlight()).isZero();
        assertThat(rejections).hasSize(1);
        assertThat(records).isEmpty();
    }

    @Test
    void underFlowControlAClientLeavingWhilePreparingIsDroppedOnceAndNeverQueued() {
        RequestPipeline p = withFlowControl("60s");
        PendingDecision pending = submit(p);
        assertThat(pending.cancel()).isTrue();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.droppedReason()).isEqualTo("rejected-context-cancelled"));
        tokens.started.get(0).complete(rendered(1));
        p.runFlowControlCycle();
        assertThat(p.flowControlQueueSize()).isZero();
        assertThat(scheduledWith).isEmpty();
        assertThat(rejections).hasSize(1);
    }

    @Test
    void theTtlRunsWhilePreparingAndExpiresTheRequestWithoutWaitingForItsData() {
        RequestPipeline p = withFlowControl("1s");
        PendingDecision pending = submit(p);
        clock.advance(Duration.ofMillis(999));
        p.runFlowControlCycle();
        assertThat(pending.isDone()).isFalse();
        clock.advance(Duration.ofMillis(2));
        p.runFlowControlCycle();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired");
        });
        assertThat(pending.cancel()).isFalse();

        tokens.started.get(0).complete(rendered(1)); // the data arrives after all
        p.runFlowControlCycle();

        assertThat(p.flowControlQueueSize()).isZero();
        assertThat(scheduledWith).isEmpty();
        assertThat(rejections).hasSize(1);
    }

    @Test
    void aPreparedRequestIsQueuedForWhatRemainsOfItsTtl() {
        RequestPipeline p = withFlowControl("1s");
        saturation.value = 2.0; // nothing is released
        PendingDecision pending = submit(p);
        clock.advance(Duration.ofMillis(600));
        tokens.started.get(0).complete(rendered(5));
        assertThat(p.flowControlQueueSize()).isOne();
        clock.advance(Duration.ofMillis(401)); // 1,001 ms since arrival, 401 ms in the queue
        p.runFlowControlCycle();
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired"));
        assertThat(rejections).hasSize(1);
    }

    @Test
    void aPreparedRequestPastItsTtlIsExpiredInsteadOfQueued() {
        RequestPipeline p = withFlowControl("1s");
        PendingDecision pending = submit(p);
        clock.advance(Duration.ofMillis(1_500)); // no cycle ran meanwhile
        tokens.started.get(0).complete(rendered(5));
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired"));
        assertThat(p.flowControlQueueSize()).isZero();
        assertThat(scheduledWith).isEmpty();
    }

    @Test
    void underFlowControlAPreparedRequestIsReleasedAndScheduledWithItsData() {
        RequestPipeline p = withFlowControl("60s");
        saturation.value = 2.0;
        PendingDecision pending = submit(p);
        tokens.started.get(0).complete(rendered(3, 3));
        p.runFlowControlCycle();
        assertThat(pending.isDone()).as("saturated: queued").isFalse();
        assertThat(pending.queued()).isTrue();
        saturation.value = 0.0;
        p.runFlowControlCycle();
        assertThat(pending.join()).isInstanceOf(RoutedRequest.class);
        assertThat(scheduledWith).containsExactly(rendered(3, 3));
    }

    @Test
    void aSheddableRequestRefusedByAdmissionCostsNoPreparation() {
        saturation.value = 2.0;
        load();
        RequestPipeline p = new RequestPipeline("p", loaded.scheduler(), registry::endpoints,
                Admission.legacy(new SaturationProbe(saturation, loaded.scheduler()), null),
                Map.of("sheddable", -1), clock, PipelineMetrics.NOOP, () -> clock.nanos);
        PendingDecision pending = p.submit("/v1/completions", Map.of(RequestPipeline.OBJECTIVE_HEADER, "sheddable"),
                "{\"model\":\"m\",\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8), null);
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(429));
        assertThat(tokens.started).isEmpty();
    }

    @Test
    void anEmptyPoolIsRefusedBeforePreparing() {
        registry.replaceAll(new ArrayList<>());
        PendingDecision pending = submit(pipeline());
        assertThat(pending.join()).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(503));
        assertThat(tokens.started).isEmpty();
    }
}
