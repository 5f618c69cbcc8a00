package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.time.Duration;
import java.util.List;

import io.quarkiverse.llmd.engine.autoscaling.AutoscalerConfig;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.SaturationConfig;
import io.quarkiverse.llmd.engine.autoscaling.SloTargets;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;

/** The strategies by name, as {@code llmd-bench sim --autoscaler NAME} accepts them. */
public final class ScalingPolicies {

    /** The accepted names. */
    public static final List<String> NAMES = List.of("static", "saturation-v1", "saturation-v2", "keda-queue",
            "variant-autoscaler");

    /**
     * The variant being scaled and the settings the strategies share.
     *
     * @param modelId the served model
     * @param hardware the hardware profile's name (the variant's accelerator class)
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
     */
    public record Options(String modelId, String hardware, double costPerReplicaHour, int minReplicas,
            int maxReplicas, int staticReplicas, int maxNumSeqs, int maxNumBatchedTokens, double timeToReadySeconds,
            SloTargets targets, Duration trendWindow, Duration backlogDrain) {
    }

    private ScalingPolicies() {
    }

    /** The variant as the engine's analyzers see it. */
    public static VariantSpec variant(Options o) {
        return new VariantSpec("sim-" + o.hardware(), o.modelId(), o.hardware(), Role.BOTH, o.costPerReplicaHour(),
                o.minReplicas(), o.maxReplicas(), o.maxNumSeqs(), o.maxNumBatchedTokens(), o.timeToReadySeconds());
    }

    /** A fresh policy (policies hold state: one per run). */
    public static ScalingPolicy create(String name, Options o) {
        return switch (name) {
            case "static" -> new StaticPolicy(o.staticReplicas());
            case "saturation-v1" -> SaturationV1Policy.defaults(o.minReplicas(), o.maxReplicas());
            case "saturation-v2" -> new SaturationV2Policy(variant(o), SaturationConfig.defaults(),
                    HpaBehavior.wvaChart(o.minReplicas(), o.maxReplicas()));
            case "keda-queue" -> KedaQueuePolicy.guide(o.minReplicas(), o.maxReplicas());
            case "variant-autoscaler" -> new VariantAutoscalerPolicy(variant(o), AutoscalerConfig.defaults()
                    .withTargets(o.modelId(), o.targets()).withStabilization(Duration.ofMinutes(5), 0.10)
                    .withForecast(o.trendWindow(), o.backlogDrain()), 15);
            default -> throw new IllegalArgumentException("unknown autoscaler '" + name + "', known: " + NAMES);
        };
    }
}
