package io.quarkiverse.llmd.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkus.test.junit.QuarkusTest;

/** The extension wires llm-d's default scheduler and the configured static endpoints into CDI. */
@QuarkusTest
class ExtensionWiringTest {

    @Inject
    Scheduler scheduler;

    @Inject
    RequestPipeline director;

    @Test
    void defaultConfigurationAndStaticEndpointsAreWired() throws Exception {
        assertThat(scheduler.profiles()).containsOnlyKeys("default");
        assertThat(director.endpoints()).extracting(e -> e.name())
                .containsExactly("default/vllm-a-rank-0", "default/vllm-b-rank-0");

        Decision decision = director.decide("/v1/completions", Map.of(),
                "{\"model\":\"m\",\"prompt\":\"hello\"}".getBytes(StandardCharsets.UTF_8), null)
                .toCompletableFuture().get();
        assertThat(decision).isInstanceOf(RoutedRequest.class);
        assertThat(((RoutedRequest) decision).destinationHeader()).isIn("127.0.0.1:18001", "127.0.0.2:18002");
    }

    @Test
    void anObserverSeesEveryCycleWithItsScorerTrace() throws Exception {
        java.util.List<String> scorers = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<SchedulingResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable stopObserving = director.observe(new DecisionObserver() {
            @Override
            public DecisionTrace trace() {
                return new DecisionTrace() {
                    @Override
                    public void scored(SchedulerProfile profile, WeightedScorer scorer, java.util.List<Endpoint> endpoints,
                            double[] scores) {
                        scorers.add(scorer.scorer().typedName().type());
                    }
                };
            }

            @Override
            public void decided(SchedulingContext context, SchedulingResult result) {
                results.add(result);
            }
        });
        try {
            Decision decision = director.decide("/v1/completions", Map.of(),
                    "{\"model\":\"observed-model\",\"prompt\":\"observed\"}".getBytes(StandardCharsets.UTF_8), null)
                    .toCompletableFuture().get();
            // its own model name, so that the meters other tests of this app read are not touched
            ((RoutedRequest) decision).complete(ResponseOutcome.succeeded(1, 1, 0));
        } finally {
            stopObserving.run();
        }
        assertThat(results).singleElement().satisfies(r -> assertThat(r.succeeded()).isTrue());
        assertThat(scorers).containsExactly("queue-scorer", "kv-cache-utilization-scorer", "prefix-cache-scorer");
    }

    @Test
    void malformedBodyIsRejectedWith400() throws Exception {
        Decision decision = director.decide("/v1/chat/completions", Map.of(), "{\"model\":\"m\"}".getBytes(
                StandardCharsets.UTF_8), null).toCompletableFuture().get();
        assertThat(decision).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.eppBody()).startsWith("inference error: BadRequest - ");
        });
    }
}
