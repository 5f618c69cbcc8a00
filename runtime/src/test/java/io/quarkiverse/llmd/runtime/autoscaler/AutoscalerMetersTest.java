package io.quarkiverse.llmd.runtime.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class AutoscalerMetersTest {

    @Test
    void actuationsAreCountedByOutcomeAndGoWithTheirVariant() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AutoscalerMeters meters = new AutoscalerMeters(registry, new AutoscalerRequestTap());
        meters.record(AutoscalerDecisionLogTest.decision("qwen", 1, 2,
                io.quarkiverse.llmd.engine.autoscaling.ScalingReason.MODEL, "d"), "llm");
        meters.actuated("qwen", "llm", "llminferenceservice", "failed");
        meters.actuated("qwen", "llm", "llminferenceservice", "failed");
        meters.actuated("qwen", "llm", "llminferenceservice", "applied");

        assertThat(registry.get("llmd_autoscaler_actuations").tags("variant_name", "qwen", "namespace", "llm",
                "actuator", "llminferenceservice", "outcome", "failed").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("llmd_autoscaler_actuations").tag("outcome", "applied").counter().count())
                .isEqualTo(1.0);

        meters.retain(Set.of());
        assertThat(registry.find("llmd_autoscaler_actuations").counters()).isEmpty();
    }
}
