package io.quarkiverse.llmd.benchmarks.sim.scaling;

/**
 * Pods that come and go: the simulated cluster's one variant (the cluster's model on its hardware profile) as a
 * scale target driven by a policy.
 *
 * @param policy the strategy
 * @param minReplicas lowest count the scale target accepts
 * @param maxReplicas highest count
 * @param initialReplicas pods ready at time 0
 * @param timeToReadySeconds from a scale-up until the new pod joins the pool
 */
public record Autoscaling(ScalingPolicy policy, int minReplicas, int maxReplicas, int initialReplicas,
        double timeToReadySeconds) {

    /**
     * Qwen3-32B on one H100 before cold-start tuning, 90.7 s (reference deltas 7; 43.3 s with the three fixes the
     * same evaluation describes).
     */
    public static final double DEFAULT_TIME_TO_READY_SECONDS = 90.7;

    public Autoscaling {
        if (policy == null) {
            throw new IllegalArgumentException("a scaling policy is required");
        }
        if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
            throw new IllegalArgumentException("need 0 <= min <= max and max >= 1, got " + minReplicas + ".."
                    + maxReplicas);
        }
        if (initialReplicas < minReplicas || initialReplicas > maxReplicas) {
            throw new IllegalArgumentException("initial replicas " + initialReplicas + " outside " + minReplicas
                    + ".." + maxReplicas);
        }
        if (!(timeToReadySeconds >= 0) || Double.isInfinite(timeToReadySeconds)) {
            throw new IllegalArgumentException("time to ready must be a finite number >= 0, got "
                    + timeToReadySeconds);
        }
    }
}
