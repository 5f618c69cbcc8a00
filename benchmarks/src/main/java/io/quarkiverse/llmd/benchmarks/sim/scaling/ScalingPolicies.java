package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.quarkiverse.llmd.engine.autoscaling.AutoscalerConfig;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.SaturationConfig;
import io.quarkiverse.llmd.engine.autoscaling.ServiceParameters;
import io.quarkiverse.llmd.engine.autoscaling.SloTargets;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;

/** The strategies by name, as {@code llmd-bench sim --autoscaler NAME} accepts them. */
public final class ScalingPolicies {

    /** The accepted names. */
    public static final List<String> NAMES = List.of("static", "saturation-v1", "saturation-v2", "keda-queue",
            "variant-autoscaler");

    /**
     * The variant being scaled and the settings the strategies share.
     *
     * @param modelId the served model
     * @param hardware the pods' hardware profile (its name is the variant's accelerator class)
     * @param costPerReplicaHour the profile's relative cost
     * @param minReplicas lowest count
     * @param maxReplicas highest count
     * @param staticReplicas replicas of the static strategy
     * @param maxNumSeqs the pods' {@code --max-num-seqs}
     * @param maxNumBatchedTokens the pods' {@code --max-num-batched-tokens}
     * @param timeToReadySeconds cold start of a pod
     * @param targets the latency targets the variant autoscaler sizes for (means, as its queueing model predicts)
     * @param trendWindow the variant autoscaler's {@link AutoscalerConfig#trendWindow()}
     * @param backlogDrain the variant autoscaler's {@link AutoscalerConfig#backlogDrainTime()}
     * @param stabilizationWindow the variant autoscaler's {@link AutoscalerConfig#stabilizationWindow()}
     * @param recurrencePeriod the variant autoscaler's {@link AutoscalerConfig#recurrencePeriod()}
     */
    public record Options(String modelId, HardwareProfile hardware, double costPerReplicaHour, int minReplicas,
            int maxReplicas, int staticReplicas, int maxNumSeqs, int maxNumBatchedTokens, double timeToReadySeconds,
            SloTargets targets, Duration trendWindow, Duration backlogDrain, Duration stabilizationWindow,
            Duration recurrencePeriod) {
    }

    private ScalingPolicies() {
    }

    /** The variant as the engine's analyzers see it, with its profile (the variant autoscaler's prior). */
    public static VariantSpec variant(Options o) {
        return new VariantSpec("sim-" + o.hardware().name(), o.modelId(), o.hardware().name(), Role.BOTH,
                o.costPerReplicaHour(), o.minReplicas(), o.maxReplicas(), o.maxNumSeqs(), o.maxNumBatchedTokens(),
                o.timeToReadySeconds(), profile(o.hardware()));
    }

    /**
     * What an offline benchmark of the profile would give the variant autoscaler before its own timings: the step
     * model's fixed cost, per-prefill-token and per-context-token slopes as {@code alpha}, {@code beta},
     * {@code gamma} (ms). The per-sequence cost {@code c} has no term of its own, so the profile is a little
     * optimistic; the online fit replaces it once confident.
     */
    public static ServiceParameters profile(HardwareProfile hw) {
        return new ServiceParameters(hw.a() * 1000, hw.b() * 1000, hw.d() * 1000);
    }

    /**
     * One variant of a multi-hardware fleet as {@code --variant} gives it.
     *
     * @param hardware its hardware profile
     * @param cost cost per replica-hour
     * @param min lowest count
     * @param max highest count
     * @param initial replicas at time 0 (the autoscaled strategies)
     * @param staticReplicas replicas of the static strategy
     */
    public record VariantOption(HardwareProfile hardware, double cost, int min, int max, int initial,
            int staticReplicas) {

        /**
         * Parses {@code PROFILE:MIN:MAX:INITIAL:STATIC[:COST]}; the cost defaults to the profile's relative cost.
         */
        public static VariantOption parse(String text) {
            String[] f = text.split(":");
            if (f.length != 5 && f.length != 6) {
                throw new IllegalArgumentException("--variant takes PROFILE:MIN:MAX:INITIAL:STATIC[:COST], got '"
                        + text + "'");
            }
            HardwareProfile hw = HardwareProfile.byName(f[0]);
            int[] n = new int[4];
            for (int i = 0; i < 4; i++) {
                n[i] = Integer.parseInt(f[i + 1].trim());
            }
            if (n[0] < 0 || n[1] < 1 || n[0] > n[1] || n[2] < n[0] || n[2] > n[1] || n[3] < 0) {
                throw new IllegalArgumentException("--variant " + text + ": need 0 <= MIN <= INITIAL <= MAX, MAX >= 1"
                        + " and STATIC >= 0");
            }
            double cost = f.length == 6 ? Double.parseDouble(f[5]) : hw.relativeCost();
            return new VariantOption(hw, cost, n[0], n[1], n[2], n[3]);
        }

        String name() {
            return "sim-" + hardware.name();
        }
    }

    /**
     * The fleet a strategy runs on several hardware classes: ours and V2 size all variants together (they are
     * multi-variant); static, V1 and KEDA get one independent instance per variant, as one HPA or ScaledObject per
     * Deployment.
     */
    public static Fleet fleet(String name, Options o, List<VariantOption> variants) {
        List<VariantSpec> specs = new ArrayList<>();
        List<Fleet.Member> members = new ArrayList<>();
        boolean fixed = name.equals("static");
        for (VariantOption v : variants) {
            specs.add(new VariantSpec(v.name(), o.modelId(), v.hardware().name(), Role.BOTH, v.cost(), v.min(),
                    v.max(), o.maxNumSeqs(), o.maxNumBatchedTokens(), o.timeToReadySeconds(), profile(v.hardware())));
            members.add(new Fleet.Member(v.name(), v.hardware(), v.cost(), fixed ? v.staticReplicas() : v.min(),
                    fixed ? Math.max(1, v.staticReplicas()) : v.max(), fixed ? v.staticReplicas() : v.initial(),
                    o.timeToReadySeconds()));
        }
        FleetPolicy policy = switch (name) {
            case "static" -> new FleetPolicy.PerVariant("static", variants.stream()
                    .<ScalingPolicy> map(v -> new StaticPolicy(v.staticReplicas())).toList());
            case "saturation-v1" -> new FleetPolicy.PerVariant(name, variants.stream()
                    .<ScalingPolicy> map(v -> SaturationV1Policy.defaults(v.min(), v.max())).toList());
            case "saturation-v2" -> new SaturationV2Policy(specs, SaturationConfig.defaults(), variants.stream()
                    .map(v -> HpaBehavior.wvaChart(v.min(), v.max())).toList());
            case "keda-queue" -> new FleetPolicy.PerVariant(name, variants.stream()
                    .<ScalingPolicy> map(v -> KedaQueuePolicy.guide(v.min(), v.max())).toList());
            case "variant-autoscaler" -> new VariantAutoscalerPolicy(specs, config(o), 15);
            default -> throw new IllegalArgumentException("unknown autoscaler '" + name + "', known: " + NAMES);
        };
        return new Fleet(policy, members);
    }

    private static AutoscalerConfig config(Options o) {
        return AutoscalerConfig.defaults().withTargets(o.modelId(), o.targets())
                .withStabilization(o.stabilizationWindow(), 0.10).withForecast(o.trendWindow(), o.backlogDrain())
                .withRecurrence(o.recurrencePeriod(), AutoscalerConfig.DEFAULT_RECURRING_PERIODS);
    }

    /** A fresh policy (policies hold state: one per run). */
    public static ScalingPolicy create(String name, Options o) {
        return switch (name) {
            case "static" -> new StaticPolicy(o.staticReplicas());
            case "saturation-v1" -> SaturationV1Policy.defaults(o.minReplicas(), o.maxReplicas());
            case "saturation-v2" -> new SaturationV2Policy(variant(o), SaturationConfig.defaults(),
                    HpaBehavior.wvaChart(o.minReplicas(), o.maxReplicas()));
            case "keda-queue" -> KedaQueuePolicy.guide(o.minReplicas(), o.maxReplicas());
            case "variant-autoscaler" -> new VariantAutoscalerPolicy(variant(o), config(o), 15);
            default -> throw new IllegalArgumentException("unknown autoscaler '" + name + "', known: " + NAMES);
        };
    }
}
