package io.quarkiverse.llmd.benchmarks.sim.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class KedaQueuePolicyTest {

    private static PoolView view(double now, int current, int queue, int running) {
        return new PoolView(now, current, current, List.of(), queue, queue * 100.0, running, 0, List.of());
    }

    @Test
    void hpaFormulaPerMetricWithTolerance() {
        // AverageValue: ceil(current * metric / (target * current)) = ceil(metric / target)
        assertThat(KedaQueuePolicy.replicasFor(2, 5, 1)).isEqualTo(5);
        assertThat(KedaQueuePolicy.replicasFor(3, 0, 1)).isEqualTo(0);
        assertThat(KedaQueuePolicy.replicasFor(4, 80, 16)).isEqualTo(5);
        // 66 / (16 * 4) = 1.03: inside the 10 % tolerance, keep 4
        assertThat(KedaQueuePolicy.replicasFor(4, 66, 16)).isEqualTo(4);
        // 71 / 64 = 1.11: outside, ceil(71 / 16) = 5
        assertThat(KedaQueuePolicy.replicasFor(4, 71, 16)).isEqualTo(5);
        // 58 / 64 = 0.906: inside (down side), keep 4
        assertThat(KedaQueuePolicy.replicasFor(4, 58, 16)).isEqualTo(4);
        assertThat(KedaQueuePolicy.replicasFor(0, 3, 1)).isEqualTo(3);
    }

    @Test
    void maxOverMetricsThenHpaRateLimitAndScaleDownStabilization() {
        KedaQueuePolicy keda = KedaQueuePolicy.guide(1, 10);
        // queue 10 -> 10, running 16 -> 1; max 10, but one period allows max(2 x 1, 1 + 4) = 5
        assertThat(keda.desired(view(0, 1, 10, 16))).isEqualTo(5);
        // a new 15 s period starts from 5: max(10, 9) = 10
        assertThat(keda.desired(view(15, 5, 10, 40))).isEqualTo(10);
        // the load is gone: queue 0, running 32 -> ceil(32 / 16) = 2, but the 300 s window still holds 10
        assertThat(keda.desired(view(30, 10, 0, 32))).isEqualTo(10);
        assertThat(keda.desired(view(300, 10, 0, 32))).isEqualTo(10); // the recommendation of t=0 (10) is in
        assertThat(keda.desired(view(315, 10, 0, 32))).isEqualTo(10); // the one of t=15 (10) is in
        assertThat(keda.desired(view(330, 10, 0, 32))).isEqualTo(2); // only 2s left: 100 % per 15 s allows it
        // the running-requests metric alone scales up: 100 / 16 = 6.25 -> 7 (2 + 4 = 6 and 2 x 2 = 4 limit to 6)
        assertThat(keda.desired(view(345, 2, 0, 100))).isEqualTo(6);
        // never below the minimum
        assertThat(keda.desired(view(700, 1, 0, 0))).isEqualTo(1);
    }

    @Test
    void hpaBehaviourScaleUpWindowTakesTheLowestRecommendation() {
        HpaBehavior chart = HpaBehavior.wvaChart(1, 10);
        assertThat(chart.apply(1, 3, 0)).isEqualTo(3); // the window holds only this recommendation
        assertThat(chart.apply(3, 1, 15)).isEqualTo(3); // down: the highest of the 240 s window is 3
        assertThat(chart.apply(3, 5, 30)).isEqualTo(3); // up: the lowest of the window is 1
        assertThat(chart.apply(3, 5, 255)).isEqualTo(3); // the 1 of t=15 is still inside [15, 255]
        assertThat(chart.apply(3, 5, 271)).isEqualTo(5); // [31, 271] holds only 5s
        // long after: the window holds only 20; 10 pods per 150 s allow 5 + 10 = 15, the maximum 10
        assertThat(chart.apply(5, 20, 600)).isEqualTo(10);
        // a pods policy counts what the period already added or removed
        HpaBehavior slow = new HpaBehavior(new HpaBehavior.Rule(0, 0, 2, 60), new HpaBehavior.Rule(0, 0, 1, 60), 1,
                10);
        assertThat(slow.apply(1, 8, 0)).isEqualTo(3); // 2 pods per 60 s
        assertThat(slow.apply(3, 8, 30)).isEqualTo(3); // both already used in this period
        assertThat(slow.apply(3, 8, 61)).isEqualTo(5); // a new period
        assertThat(slow.apply(5, 1, 70)).isEqualTo(4); // down: 1 pod per 60 s
        assertThat(slow.apply(4, 1, 80)).isEqualTo(4);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new KedaQueuePolicy(0, 16, 15, HpaBehavior.defaults(1, 10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HpaBehavior.Rule(0, 0, 0, 15)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HpaBehavior.defaults(3, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
