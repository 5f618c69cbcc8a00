package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.engine.autoscaling.SaturationAnalysis;
import io.quarkiverse.llmd.engine.autoscaling.SaturationAnalyzerV2;
import io.quarkiverse.llmd.engine.autoscaling.SaturationConfig;
import io.quarkiverse.llmd.engine.autoscaling.VariantObservation;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;

/**
 * WVA's token-based saturation analyzer (V2, its default since v0.9), the engine's {@link SaturationAnalyzerV2}
 * alone: demand is resident KV tokens plus queued requests (pods' and the gateway's flow-control queue), supply the
 * ready replicas' capacity; its target goes through WVA's chart HPA ({@link HpaBehavior#wvaChart}) every 15 s (WVA's
 * {@code GLOBAL_OPT_INTERVAL}).
 */
public final class SaturationV2Policy implements ScalingPolicy {

    private final VariantSpec variant;
    private final SaturationAnalyzerV2 analyzer;
    private final HpaBehavior behavior;
    private final MixTracker mix = new MixTracker();

    public SaturationV2Policy(VariantSpec variant, SaturationConfig config, HpaBehavior behavior) {
        this.variant = variant;
        this.analyzer = new SaturationAnalyzerV2(config);
        this.behavior = behavior;
    }

    @Override
    public String name() {
        return "saturation-v2";
    }

    @Override
    public double intervalSeconds() {
        return 15;
    }

    @Override
    public int desired(PoolView view) {
        mix.add(view);
        VariantObservation obs = new VariantObservation(variant.name(), view.currentReplicas(),
                view.readyReplicas(), view.replicas());
        SaturationAnalysis a = analyzer.analyze(List.of(variant), Map.of(variant.name(), obs), mix.mix(),
                view.flowQueueTokens());
        int target = a.informed() ? a.targets().get(variant.name()) : view.currentReplicas();
        return behavior.apply(view.currentReplicas(), target, view.now());
    }
}
