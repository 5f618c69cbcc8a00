package io.quarkiverse.llmd.it.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.director.Decision;
import io.quarkiverse.llmd.runtime.director.PendingDecision;
import io.quarkiverse.llmd.runtime.director.RequestDirector;
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
    RequestDirector director;

    @Test
    void expiredRequestGets503WithDroppedReason() throws Exception {
        Pool.saturate(director.registry());
        PendingDecision p = director.submit("/v1/completions", Map.of(), Pool.body("hello"), null);
        Decision d = p.get(10, TimeUnit.SECONDS);
        assertThat(d).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.code()).isEqualTo("ServiceUnavailable");
            assertThat(r.droppedReason()).isEqualTo("rejected-ttl-expired");
            assertThat(r.eppBody()).startsWith("inference error: ServiceUnavailable - ");
        });
        assertThat(director.flowControlQueueSize()).isZero();
        Pool.relieve(director.registry());
    }
}
