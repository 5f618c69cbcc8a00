package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.ArrayList;
import java.util.HashMap;
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
 * ready replicas' capacity; with several variants it adds to the cheapest per unit of capacity and removes from the
 * most expensive. Each variant's target goes through its own WVA chart HPA ({@link HpaBehavior#wvaChart}) every
 * 15 s (WVA's {@code GLOBAL_OPT_INTERVAL}).
 */
public final class SaturationV2Policy implements ScalingPolicy, FleetPolicy {

    private final List<VariantSpec> variants;
    private final SaturationAnalyzerV2 analyzer;
    private final List<HpaBehavior> behaviors;
    private final MixTracker mix = new MixTracker();

    public SaturationV2Policy(VariantSpec variant, SaturationConfig config, HpaBehavior behavior) {
        this(List.of(variant), config, List.of(behavior));
    }

    /** Several variants of one model, each with its HPA, in the fleet's order. */
    public SaturationV2Policy(List<VariantSpec> variants, SaturationConfig config, List<HpaBehavior> behaviors) {
        if (variants.isEmpty() || variants.size() != behaviors.size()) {
            throw new IllegalArgumentException("one HPA per variant, at least one variant");
        }
        this.variants = List.copyOf(variants);
        this.analyzer = new SaturationAnalyzerV2(config);
        this.behaviors = List.copyOf(behaviors);
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
        return desired(List.of(view))[0];
    }

    @Override
    public int[] desired(List<PoolView> views) {
        if (views.size() != variants.size()) {
            throw new IllegalArgumentException(views.size() + " views for " + variants.size() + " variants");
        }
        Map<String, VariantObservation> observed = new HashMap<>();
        List<VariantSpec> group = new ArrayList<>(variants);
        for (int i = 0; i < views.size(); i++) {
            PoolView view = views.get(i);
            mix.add(view);
            observed.put(variants.get(i).name(), new VariantObservation(variants.get(i).name(),
                    view.currentReplicas(), view.readyReplicas(), view.replicas()));
        }
        SaturationAnalysis a = analyzer.analyze(group, observed, mix.mix(), views.get(0).flowQueueTokens());
        int[] out = new int[views.size()];
        for (int i = 0; i < out.length; i++) {
            PoolView view = views.get(i);
            int target = a.informed() ? a.targets().get(variants.get(i).name()) : view.currentReplicas();
            out[i] = behaviors.get(i).apply(view.currentReplicas(), target, view.now());
        }
        return out;
    }
}
