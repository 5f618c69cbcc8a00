package io.quarkiverse.llmd.it.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Flow control off: sheddable requests (priority < 0) get 429 while the pool is saturated, the others pass. */
@QuarkusTest
@TestProfile(LegacyAdmissionTest.Profile.class)
class LegacyAdmissionTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.config-text", Pool.CONFIG_PREFIX,
                    "quarkus.llmd.objectives.batch.priority", "-1",
                    "quarkus.llmd.objectives.critical.priority", "10");
        }
    }

    @Inject
    RequestPipeline director;

    @Inject
    EndpointRegistry registry;

    @AfterEach
    void relieve() {
        Pool.relieve(registry);
    }

    private Decision decide(String objective) throws Exception {
        Decision d = director.decide("/v1/completions", Pool.objective(objective), Pool.body("hi"), null)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (d instanceof RoutedRequest routed) {
            routed.complete(ResponseOutcome.succeeded(1, 1, 0));
        }
        return d;
    }

    @Test
    void sheddableRequestIsRefusedWith429UnderSaturation() throws Exception {
        assertThat(director.flowControlEnabled()).isFalse();
        Pool.saturate(registry);
        assertThat(decide("batch")).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.code()).isEqualTo("ResourceExhausted");
            assertThat(r.droppedReason()).isNull();
        });
        assertThat(decide("critical")).isInstanceOf(RoutedRequest.class);
        assertThat(decide(null)).isInstanceOf(RoutedRequest.class);
        assertThat(decide("unknown-objective")).isInstanceOf(RoutedRequest.class);
    }

    @Test
    void sheddableRequestPassesWhenThePoolHasRoom() throws Exception {
        Pool.relieve(registry);
        assertThat(decide("batch")).isInstanceOf(RoutedRequest.class);
    }
}
