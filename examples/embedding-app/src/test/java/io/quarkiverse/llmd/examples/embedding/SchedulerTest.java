package io.quarkiverse.llmd.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * The application's configuration as a test sees it: no endpoint configured outside prod, so Dev Services run a
 * simulated fleet (2 x H100, 2 x L4); the scheduler is the configured one, the application's scorer included.
 */
@QuarkusTest
class SchedulerTest {

    @Inject
    Scheduler scheduler;

    @Inject
    EndpointRegistry endpoints;

    @Inject
    PickRoute route;

    @Test
    void devServicesStartASimulatedFleetWhenNoEndpointIsConfigured() {
        assertThat(endpoints.endpoints()).extracting(e -> e.name())
                .containsExactlyInAnyOrder("sim-h100-0", "sim-h100-1", "sim-l4-0", "sim-l4-1");
        assertThat(endpoints.endpoints()).allSatisfy(e -> assertThat(e.address()).startsWith("127.0.0.1:"));
    }

    @Test
    void theSchedulerRunsTheApplicationsScorerBean() {
        assertThat(scheduler.plugins()).containsKeys("queue-scorer", "kv-cache-utilization-scorer",
                "prefix-cache-scorer", PreferredGpuScorer.TYPE);
        assertThat(scheduler.plugins().get(PreferredGpuScorer.TYPE)).isInstanceOf(PreferredGpuScorer.class);
    }

    @Test
    void theHeavilyWeightedScorerSendsEveryRequestToTheConfiguredGpuClass() {
        for (int i = 0; i < 8; i++) {
            JsonObject picked = route.pick(("{\"model\":\"llmd-sim/llama-3-8b\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"question " + i + "\"}]}").getBytes(StandardCharsets.UTF_8));
            assertThat(picked.getString("endpoint")).startsWith("sim-h100-");
        }
    }
}
