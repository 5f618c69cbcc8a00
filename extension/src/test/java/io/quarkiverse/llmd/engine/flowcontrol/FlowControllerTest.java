package io.quarkiverse.llmd.engine.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Flow-control rules in virtual time: the controller owns no clock, every call passes "now" in nanoseconds. */
class FlowControllerTest {

    private static final long MS = 1_000_000L;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static FlowControlConfig config(String yaml) {
        try {
            JsonNode node = yaml == null ? null : YAML.readTree(yaml);
            return FlowControlConfig.parse("test", node, name -> null);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FlowItem<String> item(String flow, int priority, String payload) {
        return new FlowItem<>(flow, priority, 100, FlowItem.DEFAULT_TTL, payload);
    }

    private static List<String> payloads(List<FlowItem<String>> items) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.payload()));
        return out;
    }

    @Test
    void higherPriorityBandsAreServedFirstAndFcfsWithinABand() {
        FlowController<String> fc = new FlowController<>(config("""
                priorityBands:
                  - priority: 0
                  - priority: 10
                """));
        long t = 0;
        fc.enqueue(item("a", 0, "low-1"), t++);
        fc.enqueue(item("a", 10, "high-1"), t++);
        fc.enqueue(item("a", 0, "low-2"), t++);
        fc.enqueue(item("a", -5, "sheddable"), t++); // dynamic band from the default template
        fc.enqueue(item("a", 10, "high-2"), t++);

        assertThat(payloads(fc.dispatch(t, () -> 0.0))).containsExactly("high-1", "high-2", "low-1", "low-2",
                "sheddable");
        assertThat(fc.isEmpty()).isTrue();
    }

    @Test
    void saturationAtTheCeilingStopsTheCycleAndReleasesWhenItDrops() {
        FlowController<String> fc = new FlowController<>(config(null));
        fc.enqueue(item("a", 0, "r1"), 0);
        fc.enqueue(item("a", 0, "r2"), 1);
        double[] saturation = { 1.0 };
        assertThat(fc.dispatch(10 * MS, () -> saturation[0])).isEmpty();
        assertThat(fc.size()).isEqualTo(2);

        saturation[0] = 0.5;
        // Each release pushes saturation up; the loop stops when it reaches the ceiling (1.0).
        assertThat(payloads(fc.dispatch(20 * MS, () -> {
            double s = saturation[0];
            saturation[0] += 0.5;
            return s;
        }))).containsExactly("r1");
        assertThat(fc.size()).isEqualTo(1);
    }

    @Test
    void usageLimitThresholdIsTheCeiling() {
        FlowControlConfig cfg = FlowControlConfig.parse("test", node("usageLimitPolicyPluginRef: limit"),
                name -> name.equals("limit") ? new FlowControlPolicies.StaticUsageLimit("limit", 0.8) : null);
        FlowController<String> fc = new FlowController<>(cfg);
        fc.enqueue(item("a", 0, "r1"), 0);
        assertThat(fc.dispatch(1, () -> 0.8)).isEmpty();
        assertThat(payloads(fc.dispatch(1, () -> 0.79))).containsExactly("r1");
    }

    @Test
    void headOfLineBlockingAHigherBandAtItsCeilingBlocksLowerBands() {
        AtomicReference<Double> highCeiling = new AtomicReference<>(0.5);
        UsageLimitPolicy perBand = new UsageLimitPolicy() {
            @Override
            public io.quarkiverse.llmd.engine.framework.plugin.TypedName typedName() {
                return new io.quarkiverse.llmd.engine.framework.plugin.TypedName("test-limit", "test-limit");
            }

            @Override
            public double ceiling(int priority) {
                return priority > 0 ? highCeiling.get() : 1.0;
            }
        };
        FlowControlConfig cfg = FlowControlConfig.parse("test", node("usageLimitPolicyPluginRef: per-band"),
                name -> name.equals("per-band") ? perBand : null);
        FlowController<String> fc = new FlowController<>(cfg);
        fc.enqueue(item("a", 5, "high"), 0);
        fc.enqueue(item("a", 0, "low"), 1);
        // 0.7 is below the low band's ceiling, but the high band is blocked and blocks everything under it.
        assertThat(fc.dispatch(2, () -> 0.7)).isEmpty();
        highCeiling.set(1.0);
        assertThat(payloads(fc.dispatch(3, () -> 0.7))).containsExactly("high", "low");
    }

    @Test
    void roundRobinFairnessKeepsAHeavyTenantFromStarvingALightOne() {
        FlowController<String> fc = new FlowController<>(config("""
                defaultPriorityBand:
                  fairnessPolicyRef: round-robin-fairness-policy
                """));
        long t = 0;
        for (int i = 0; i < 10; i++) {
            fc.enqueue(item("heavy", 0, "h" + i), t++);
        }
        fc.enqueue(item("light", 0, "l0"), t++);
        fc.enqueue(item("light", 0, "l1"), t++);
        fc.enqueue(item("medium", 0, "m0"), t++);

        assertThat(payloads(fc.dispatch(t, () -> 0.0, 6))).containsExactly("h0", "l0", "m0", "h1", "l1", "h2");
    }

    @Test
    void globalStrictFairnessServesTheBandAsOneFifo() {
        FlowController<String> fc = new FlowController<>(config(null));
        long t = 0;
        for (int i = 0; i < 3; i++) {
            fc.enqueue(item("heavy", 0, "h" + i), t++);
        }
        fc.enqueue(item("light", 0, "l0"), t++);
        assertThat(payloads(fc.dispatch(t, () -> 0.0))).containsExactly("h0", "h1", "h2", "l0");
    }

    @Test
    void edfOrdersByEnqueueTimePlusTtl() {
        FlowController<String> fc = new FlowController<>(config("""
                defaultRequestTTL: 10s
                defaultPriorityBand:
                  orderingPolicyRef: edf-ordering-policy
                """));
        fc.enqueue(new FlowItem<>("a", 0, 1, FlowItem.DEFAULT_TTL, "default-ttl"), 0); // deadline 10s
        fc.enqueue(new FlowItem<>("a", 0, 1, 2_000 * MS, "short"), 1 * MS); // deadline 2.001s
        fc.enqueue(new FlowItem<>("a", 0, 1, 0, "no-ttl"), 2 * MS); // never
        fc.enqueue(new FlowItem<>("a", 0, 1, 5_000 * MS, "medium"), 3 * MS);
        assertThat(payloads(fc.dispatch(4 * MS, () -> 0.0))).containsExactly("short", "medium", "default-ttl",
                "no-ttl");
    }

    @Test
    void itemsPastTheirTtlExpire() {
        FlowController<String> fc = new FlowController<>(config("defaultRequestTTL: 100ms"));
        fc.enqueue(item("a", 0, "old"), 0);
        fc.enqueue(item("a", 0, "young"), 50 * MS);
        fc.enqueue(new FlowItem<>("a", 0, 1, 0, "forever"), 0);
        assertThat(fc.expire(99 * MS)).isEmpty();
        assertThat(payloads(fc.expire(100 * MS))).containsExactly("old");
        assertThat(fc.nextDeadline()).isEqualTo(150 * MS);
        assertThat(payloads(fc.expire(10_000 * MS))).containsExactly("young");
        assertThat(fc.size()).isEqualTo(1);
    }

    @Test
    void zeroDefaultTtlMeansWaitingUntilCancelled() {
        // since llm-d v0.10 the default is 60 s; "0s" switches the bound off
        FlowController<String> fc = new FlowController<>(config("defaultRequestTTL: 0s"));
        FlowItem<String> item = item("a", 0, "r");
        fc.enqueue(item, 0);
        assertThat(fc.expire(Long.MAX_VALUE - 1)).isEmpty();
        assertThat(fc.remove(item)).isTrue();
        assertThat(fc.remove(item)).isFalse();
        assertThat(fc.isEmpty()).isTrue();
        assertThat(fc.bytes()).isZero();
    }

    @Test
    void globalAndBandLimitsRejectAtCapacity() {
        FlowController<String> fc = new FlowController<>(config("""
                maxRequests: 3
                priorityBands:
                  - priority: 0
                    maxRequests: 2
                  - priority: 1
                    maxBytes: 250
                """));
        assertThat(fc.enqueue(item("a", 0, "1"), 0)).isEqualTo(FlowController.Admit.QUEUED);
        assertThat(fc.enqueue(item("a", 0, "2"), 0)).isEqualTo(FlowController.Admit.QUEUED);
        assertThat(fc.enqueue(item("a", 0, "3"), 0)).isEqualTo(FlowController.Admit.REJECTED_CAPACITY);
        assertThat(fc.enqueue(item("a", 1, "4"), 0)).isEqualTo(FlowController.Admit.QUEUED);
        assertThat(fc.enqueue(item("b", 2, "5"), 0)).isEqualTo(FlowController.Admit.REJECTED_CAPACITY); // global
        fc.dispatchOne(1, () -> 0.0); // "4" leaves
        assertThat(fc.enqueue(new FlowItem<>("a", 1, 300, 0, "too-big"), 2))
                .isEqualTo(FlowController.Admit.REJECTED_CAPACITY);
        assertThat(fc.enqueue(new FlowItem<>("a", 1, 200, 0, "fits"), 2)).isEqualTo(FlowController.Admit.QUEUED);
        assertThat(fc.size()).isEqualTo(3);
        assertThat(fc.bytes()).isEqualTo(400);
    }

    @Test
    void globalMaxBytes() {
        FlowController<String> fc = new FlowController<>(config("maxBytes: 1k"));
        assertThat(fc.enqueue(new FlowItem<>("a", 0, 600, 0, "1"), 0)).isEqualTo(FlowController.Admit.QUEUED);
        assertThat(fc.enqueue(new FlowItem<>("b", 5, 600, 0, "2"), 0))
                .isEqualTo(FlowController.Admit.REJECTED_CAPACITY);
        assertThat(fc.enqueue(new FlowItem<>("b", 5, 400, 0, "3"), 0)).isEqualTo(FlowController.Admit.QUEUED);
    }

    @Test
    void bandStatsReportSizes() {
        FlowController<String> fc = new FlowController<>(config("priorityBands: [{priority: 1}]"));
        fc.enqueue(item("x", 0, "a"), 0);
        fc.enqueue(item("y", 0, "b"), 0);
        assertThat(fc.bandStats()).containsExactly(new FlowController.BandStats(1, 0, 0, 0),
                new FlowController.BandStats(0, 2, 200, 2));
    }

    @Test
    void outcomesMapToLlmdStatuses() {
        assertThat(Map.of(QueueOutcome.REJECTED_CAPACITY.httpStatus(), QueueOutcome.REJECTED_CAPACITY.droppedReason()))
                .containsEntry(429, "rejected-saturated");
        assertThat(QueueOutcome.EVICTED_TTL.httpStatus()).isEqualTo(429);
        assertThat(QueueOutcome.EVICTED_TTL.droppedReason()).isEqualTo("rejected-ttl-expired");
        assertThat(QueueOutcome.EVICTED_CONTEXT_CANCELLED.droppedReason()).isEqualTo("rejected-context-cancelled");
    }

    static JsonNode node(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
