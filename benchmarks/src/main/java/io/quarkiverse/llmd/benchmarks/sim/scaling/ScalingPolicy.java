package io.quarkiverse.llmd.benchmarks.sim.scaling;

/**
 * A strategy that sets the replica count of one variant, evaluated by the cluster simulator every
 * {@link #intervalSeconds()} of virtual time. Policies keep their own state (windows, calibration) and are used for
 * one run only.
 */
public sealed interface ScalingPolicy permits StaticPolicy, KedaQueuePolicy, SaturationV1Policy, SaturationV2Policy,
        VariantAutoscalerPolicy {

    /** The strategy's name in reports. */
    String name();

    /** Seconds of virtual time between evaluations. */
    double intervalSeconds();

    /** The replicas the scale target should have now; the simulator clamps to the variant's bounds. */
    int desired(PoolView view);
}
