package io.quarkiverse.llmd.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The module on the class path and no sink configured: the gateway starts (the channel is wired but idle), decisions
 * are made, and nothing is sent or counted.
 */
@QuarkusTest
@TestProfile(WithoutSinkTest.NoSink.class)
class WithoutSinkTest {

    /** The module's test configuration, whose only sink comes from {@link Sink}, which this test does not start. */
    public static final class NoSink implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of();
        }
    }

    @Inject
    AutoscalerLoop loop;

    @Inject
    DecisionCloudEvents events;

    @Test
    void decisionsAreMadeAndNothingIsSent() {
        assertThat(events.sending()).isFalse();
        assertThat(loop.cycle()).hasSize(1);
        assertThat(loop.cycle()).hasSize(1);
        assertThat(events.sent() + events.failed() + events.dropped()).isZero();
    }
}
