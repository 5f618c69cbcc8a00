package io.quarkiverse.llmd.it.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A request that waits longer than defaultRequestTTL is refused with 503 rejected-ttl-expired. */
@QuarkusTest
@TestProfile(FlowControlTtlTest.Profile.class)
class FlowControlTtlTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.config-text", Pool.CONFIG_PREFIX + """
                    featureGates: [flowControl]
                    flowControl:
                      defaultRequestTTL: 50ms
                    """,
                    "quarkus.llmd.flow-control.expiry-interval", "10ms");
        }
    }

    @Inject
    RequestPipeline director;

    @Inject
    EndpointRegistry registry;

    @Test
    void expiredRequestGets429WithDroppedReasonWhileThePoolHasEndpoints() throws Exception {
        Pool.saturate(registry);
        PendingDecision p = director.submit("/v1/completions", Map.of(), Pool.body("hello"), null);
        Decision d = p.get(10, TimeUnit.SECONDS);
        assertThat(d).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            // llm-d v0.10: an overloaded pool answers 429 (back off); 503 is kept for a pool with no endpoint
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.code()).isEqualTo("ResourceExhausted");
            assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired");
            assertThat(r.eppBody()).startsWith("inference error: ResourceExhausted - ");
        });
        assertThat(director.flowControlQueueSize()).isZero();
        Pool.relieve(registry);
    }
}
