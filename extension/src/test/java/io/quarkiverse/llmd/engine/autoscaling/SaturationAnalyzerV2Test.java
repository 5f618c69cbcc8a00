package io.quarkiverse.llmd.engine.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SaturationAnalyzerV2Test {

    private static final TokenMix MIX = new TokenMix(1000, 200);
    /** Cheap, no batch-token budget given (so no derived capacity without a KV size). */
    private static final VariantSpec A100 = new VariantSpec("a100", "m", "A100", Role.BOTH, 5, 0, 10, 256, 0, 90);
    private static final VariantSpec H100 = new VariantSpec("h100", "m", "H100", Role.BOTH, 10, 0, 10, 256, 0, 90);

    private final SaturationAnalyzerV2 analyzer = new SaturationAnalyzerV2(SaturationConfig.defaults());

    private static ReplicaMetrics pod(String name, long capacity, double kv, int waiting) {
        return new ReplicaMetrics(name, true, waiting, 10, kv, capacity);
    }

    private static Map<String, VariantObservation> observe(VariantObservation... obs) {
        Map<String, VariantObservation> m = new HashMap<>();
        for (VariantObservation o : obs) {
            m.put(o.variant(), o);
        }
        return m;
    }

    private static VariantObservation variant(String name, ReplicaMetrics... pods) {
        return new VariantObservation(name, pods.length, pods.length, List.of(pods));
    }

    @Test
    void scalesUpTheCheapestPerUnitOfCapacity() {
        // a100: 2 pods, C = 100,000, k1 = 80,000; each 78,000 resident + 3 queued * 1,200 = 81,600
        // h100: 1 pod, C = 400,000, k1 = 320,000; 300,000 resident + 4 * 1,200 = 304,800
        // demand 468,000; supply 480,000; required = 468,000 / 0.85 - 480,000 = 70,588.2
        // cost per capacity: h100 10 / 320,000 < a100 5 / 80,000, so h100 gets ceil(70,588 / 320,000) = 1
        SaturationAnalysis s = analyzer.analyze(List.of(A100, H100), observe(
                variant("a100", pod("a-0", 100_000, 0.78, 3), pod("a-1", 100_000, 0.78, 3)),
                variant("h100", pod("h-0", 400_000, 0.75, 4))), MIX, 0);
        assertThat(s.informed()).isTrue();
        assertThat(s.capacityPerReplica()).containsEntry("a100", 80_000.0).containsEntry("h100", 320_000.0);
        assertThat(s.demandTokens()).isCloseTo(468_000, within(1e-6));
        assertThat(s.supplyTokens()).isCloseTo(480_000, within(1e-6));
        assertThat(s.requiredTokens()).isCloseTo(468_000 / 0.85 - 480_000, within(1e-6));
        assertThat(s.targets()).containsEntry("a100", 2).containsEntry("h100", 2);
    }

    @Test
    void holdsBetweenTheThresholds() {
        // demand 2 * (75,000 + 2 * 1,200) + 20,000 = 174,800; supply 160,000 + 160,000 = 320,000
        // required = 174,800 / 0.85 - 320,000 < 0; spare = 320,000 - 174,800 / 0.7 = 70,285.7, below either
        // variant's per-replica capacity, so nothing can go
        SaturationAnalysis s = analyzer.analyze(List.of(A100, H100), observe(
                variant("a100", pod("a-0", 100_000, 0.75, 2), pod("a-1", 100_000, 0.75, 2)),
                variant("h100", pod("h-0", 200_000, 0.10, 0))), MIX, 0);
        assertThat(s.spareTokens()).isCloseTo(320_000 - 174_800 / 0.7, within(1e-6));
        assertThat(s.targets()).containsEntry("a100", 2).containsEntry("h100", 1);
    }

    @Test
    void scalesDownTheMostExpensiveFirstAndKeepsTheCheapest() {
        // demand 3 * 10,000 + 10,000 = 40,000; supply 3 * 80,000 + 160,000 = 400,000
        // spare = 400,000 - 40,000 / 0.7 = 342,857: h100 (most expensive) 1 -> 0 leaves 182,857;
        // a100 3 -> 2 -> 1 leaves 22,857 and keeps its last replica (cheapest running variant)
        SaturationAnalysis s = analyzer.analyze(List.of(A100, H100), observe(
                variant("a100", pod("a-0", 100_000, 0.1, 0), pod("a-1", 100_000, 0.1, 0),
                        pod("a-2", 100_000, 0.1, 0)),
                variant("h100", pod("h-0", 200_000, 0.05, 0))), MIX, 0);
        assertThat(s.targets()).containsEntry("a100", 1).containsEntry("h100", 0);
    }

    @Test
    void scalingDownByCostPerCapacityKeepsTheClassThatHoldsMostPerUnitOfCost() {
        // l4: 10 pods, C = 35,000, k1 = 28,000 (1.2 per replica: 4.3e-5 per token); h100: 2 pods, k1 = 320,000
        // (10 per replica: 3.1e-5 per token). Demand 10 * 1,750 + 2 * 20,000 = 57,500; supply 920,000;
        // spare = 920,000 - 57,500 / 0.7 = 837,857.
        VariantSpec l4 = new VariantSpec("l4", "m", "L4", Role.BOTH, 1.2, 0, 10, 256, 0, 90);
        List<ReplicaMetrics> l4Pods = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            l4Pods.add(pod("l-" + i, 35_000, 0.05, 0));
        }
        Map<String, VariantObservation> observed = observe(
                variant("l4", l4Pods.toArray(ReplicaMetrics[]::new)),
                variant("h100", pod("h-0", 400_000, 0.05, 0), pod("h-1", 400_000, 0.05, 0)));
        // WVA's order: both H100s go first (leaving 197,857), then seven L4s; the L4s, cheap per replica but small,
        // are what stays
        assertThat(analyzer.analyze(List.of(l4, H100), observed, MIX, 0).targets())
                .containsEntry("h100", 0).containsEntry("l4", 3);
        // by cost per capacity the L4s go first (down to the cheapest running variant's last replica), then one
        // H100: the guard keeps what the cost optimizer prefers, so the two do not each hold a different class
        SaturationAnalyzerV2 byCapacity = new SaturationAnalyzerV2(SaturationConfig.defaults(),
                SaturationAnalyzerV2.ScaleDownOrder.COST_PER_CAPACITY, SaturationAnalyzerV2.QueueEvidence.ANY_QUEUE);
        assertThat(byCapacity.analyze(List.of(l4, H100), observed, MIX, 0).targets())
                .containsEntry("h100", 1).containsEntry("l4", 1);
    }

    @Test
    void observedComputeBoundCapacityIsRemembered() {
        // 6 queued (>= 5) at 50 % of 100,000: the replica is compute-bound at 50,000 tokens, below k1 = 80,000.
        SaturationAnalysis first = analyzer.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.5, 6))), MIX, 0);
        assertThat(first.capacityPerReplica()).containsEntry("a100", 50_000.0);
        // Next cycle it does not queue; the window's mean still applies to the same output bucket.
        SaturationAnalysis second = analyzer.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.2, 0))), MIX, 0);
        assertThat(second.capacityPerReplica()).containsEntry("a100", 50_000.0);
        // A different output bucket (long outputs) has no history: back to k1.
        SaturationAnalysis other = analyzer.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.2, 0))), new TokenMix(1000, 800), 0);
        assertThat(other.capacityPerReplica()).containsEntry("a100", 80_000.0);
    }

    @Test
    void withSustainedQueueEvidenceAQueueCountsOnlyWhenItOutlastsADecisionInterval() {
        SaturationAnalyzerV2 sustained = new SaturationAnalyzerV2(SaturationConfig.defaults(),
                SaturationAnalyzerV2.ScaleDownOrder.COST_PER_CAPACITY, SaturationAnalyzerV2.QueueEvidence.SUSTAINED_QUEUE);
        // a burst: 6 queued at 20 % of 100,000 for one analysis; WVA's rule would record 20,000 as the capacity
        SaturationAnalysis burst = sustained.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.2, 6), pod("a-1", 100_000, 0.3, 0))), MIX, 0);
        assertThat(burst.capacityPerReplica()).containsEntry("a100", 80_000.0);
        // the other replica queues now, a-0 no longer: neither queued twice in a row
        SaturationAnalysis moved = sustained.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.2, 0), pod("a-1", 100_000, 0.3, 7))), MIX, 0);
        assertThat(moved.capacityPerReplica()).containsEntry("a100", 80_000.0);
        // a-1 still queued one interval later, at 60 %: it is falling behind, and 60,000 is its compute bound
        SaturationAnalysis behind = sustained.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.2, 0), pod("a-1", 100_000, 0.6, 5))), MIX, 0);
        assertThat(behind.capacityPerReplica()).containsEntry("a100", (80_000.0 + 60_000.0) / 2);
        // WVA's rule, on the same first observation, takes the burst as the bound of both replicas (a-1 through
        // the window's history)
        assertThat(analyzer.analyze(List.of(A100),
                observe(variant("a100", pod("a-0", 100_000, 0.2, 6), pod("a-1", 100_000, 0.3, 0))), MIX, 0)
                .capacityPerReplica()).containsEntry("a100", 20_000.0);
    }

    @Test
    void medianOverReadyReplicasOnly() {
        List<ReplicaMetrics> pods = new ArrayList<>();
        pods.add(pod("a-0", 50_000, 0.1, 0));
        pods.add(pod("a-1", 100_000, 0.1, 0));
        pods.add(pod("a-2", 200_000, 0.1, 0));
        pods.add(new ReplicaMetrics("a-3", false, 0, 0, 0, 1_000_000));
        SaturationAnalysis s = analyzer.analyze(List.of(A100),
                observe(new VariantObservation("a100", 4, 3, pods)), MIX, 0);
        assertThat(s.capacityPerReplica()).containsEntry("a100", 80_000.0);
        assertThat(s.supplyTokens()).isCloseTo(3 * 80_000, within(1e-9));
        assertThat(s.anticipatedSupplyTokens()).isCloseTo(4 * 80_000, within(1e-9));
    }

    @Test
    void gatewayQueueWakesAVariantFromZeroByItsDerivedCapacity() {
        // With --max-num-batched-tokens 8192: n = min(256, 8192 * 200 / 1200) = 256, k2 = 256 * 1100 = 281,600
        VariantSpec sleeping = new VariantSpec("v", "m", "L4", Role.BOTH, 1, 0, 4, 256, 8192, 90);
        SaturationAnalysis s = analyzer.analyze(List.of(sleeping), observe(new VariantObservation("v", 0, 0,
                List.of())), MIX, 10_000);
        assertThat(s.capacityPerReplica()).containsEntry("v", 281_600.0);
        assertThat(s.requiredTokens()).isCloseTo(10_000 / 0.85, within(1e-9));
        assertThat(s.targets()).containsEntry("v", 1);
    }

    @Test
    void withoutAnyCapacityItHolds() {
        SaturationAnalysis s = analyzer.analyze(List.of(A100),
                observe(new VariantObservation("a100", 2, 0, List.of())), MIX, 50_000);
        assertThat(s.informed()).isFalse();
        assertThat(s.targets()).containsEntry("a100", 2);
    }

    @Test
    void prefillReplicasChargeQueuedRequestsTheirPromptOnly() {
        VariantSpec prefill = A100.withRole(Role.PREFILL);
        SaturationAnalysis s = analyzer.analyze(List.of(prefill),
                observe(variant("a100", pod("p-0", 100_000, 0.5, 4))), MIX, 0);
        assertThat(s.demandTokens()).isCloseTo(50_000 + 4 * 1000, within(1e-9));
    }

    @Test
    void rolesComeFromTheLlmdRoleLabel() {
        assertThat(Role.fromLabel("prefill")).isEqualTo(Role.PREFILL);
        assertThat(Role.fromLabel("decode")).isEqualTo(Role.DECODE);
        assertThat(Role.fromLabel("both")).isEqualTo(Role.BOTH);
        assertThat(Role.fromLabel(null)).isEqualTo(Role.BOTH);
        assertThat(Role.DECODE.label()).isEqualTo("decode");
    }

    @Test
    void thresholdsAreValidated() {
        assertThatThrownBy(() -> new SaturationConfig(0.8, 5, 0.7, 0.7)).hasMessageContaining("scaleDownBoundary");
        assertThatThrownBy(() -> new SaturationConfig(1.2, 5, 0.85, 0.7)).hasMessageContaining("kvCacheThreshold");
    }
}
