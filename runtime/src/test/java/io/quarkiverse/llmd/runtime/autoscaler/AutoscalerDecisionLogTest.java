package io.quarkiverse.llmd.runtime.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.ScalingReason;

class AutoscalerDecisionLogTest {

    static ScalingDecision decision(String variant, int current, int desired, ScalingReason reason, String detail) {
        return new ScalingDecision(variant, "m", "H100", Role.BOTH, 0, current, current, desired, reason, detail,
                new ScalingDecision.Inputs(1, 100, 10, 0, null, 0, null, null, desired, 0, 0, 0));
    }

    @Test
    void keepsTheNewestUpToItsCapacityOldestFirst() {
        AutoscalerDecisionLog log = new AutoscalerDecisionLog(3);
        for (int i = 1; i <= 5; i++) {
            log.add("t" + i, decision(i % 2 == 0 ? "even" : "odd", 1, i, ScalingReason.MODEL, "d"), "ns", null);
        }
        assertThat(log.recent(null, 10)).extracting(AutoscalerDecisionLog.Entry::sequence).containsExactly(3L, 4L,
                5L);
        assertThat(log.recent("odd", 10)).extracting(AutoscalerDecisionLog.Entry::desiredReplicas).containsExactly(3,
                5);
        assertThat(log.recent(null, 1)).extracting(AutoscalerDecisionLog.Entry::desiredReplicas).containsExactly(5);
        assertThat(log.recent("none", 10)).isEmpty();
    }

    @Test
    void anEntryCarriesDirectionReasonAndTheSaturationFallbackSaysSo() {
        AutoscalerDecisionLog log = new AutoscalerDecisionLog(4);
        AutoscalerDecisionLog.Entry low = log.add("t", decision("v", 2, 3, ScalingReason.LOW_CONFIDENCE,
                "model not calibrated (3 samples, relative error 0.500); saturation decided"), "llm", null);
        assertThat(low.direction()).isEqualTo("up");
        assertThat(low.reason()).isEqualTo("low_confidence");
        assertThat(low.summary()).isEqualTo(
                "saturation decided: too little data (model not calibrated (3 samples, relative error 0.500))");
        AutoscalerDecisionLog.Entry model = log.add("t", decision("v", 3, 3, ScalingReason.MODEL, "cheapest cover"),
                "llm", new AutoscalerDecisionLog.Actuated("knative", "Service llm/v", "unchanged", "same"));
        assertThat(model.direction()).isEqualTo("none");
        assertThat(model.summary()).isEqualTo("cheapest cover");
        assertThat(model.actuation().outcome()).isEqualTo("unchanged");
    }

    @Test
    void anEmptyLogIsRefused() {
        assertThatThrownBy(() -> new AutoscalerDecisionLog(0)).hasMessageContaining("at least one");
    }
}
