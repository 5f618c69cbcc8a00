package io.quarkiverse.llmd.benchmarks.sim.scaling;

/**
 * llm-d's recommended autoscaling path (reference deltas 3.6): a KEDA ScaledObject on the EPP's metrics, i.e. a
 * KEDA-owned HPA with two {@code AverageValue} triggers, the flow-control queue size (target 1 per replica) and the
 * running requests (target 16 per replica), polled every 15 s, between 1 and 10 replicas.
 *
 * <p>Per metric the HPA's formula for an external {@code AverageValue} target: usage ratio
 * {@code metric / (target * current)}; within the 10 % tolerance it keeps {@code current}, else
 * {@code ceil(current * ratio) = ceil(metric / target)}; the recommendation is the highest over the metrics. The
 * HPA's behaviour then applies ({@link HpaBehavior#defaults}: immediate scale-up by 100 % or 4 pods per 15 s,
 * 300 s scale-down stabilization, as the guide's {@code cooldownPeriod} 300).
 */
public final class KedaQueuePolicy implements ScalingPolicy {

    /** The HPA's default tolerance around a usage ratio of 1. */
    public static final double TOLERANCE = 0.1;

    private final double queueTarget;
    private final double runningTarget;
    private final double interval;
    private final HpaBehavior behavior;

    public KedaQueuePolicy(double queueTarget, double runningTarget, double intervalSeconds, HpaBehavior behavior) {
        if (!(queueTarget > 0) || !(runningTarget > 0) || !(intervalSeconds > 0)) {
            throw new IllegalArgumentException("KEDA targets and polling interval must be > 0");
        }
        this.queueTarget = queueTarget;
        this.runningTarget = runningTarget;
        this.interval = intervalSeconds;
        this.behavior = behavior;
    }

    /** The guide's ScaledObject: queue 1, running 16, polling 15 s, HPA default behaviour within min..max. */
    public static KedaQueuePolicy guide(int min, int max) {
        return new KedaQueuePolicy(1, 16, 15, HpaBehavior.defaults(min, max));
    }

    @Override
    public String name() {
        return "keda-queue";
    }

    @Override
    public double intervalSeconds() {
        return interval;
    }

    @Override
    public int desired(PoolView view) {
        int current = view.currentReplicas();
        int recommended = Math.max(replicasFor(current, view.flowQueueSize(), queueTarget),
                replicasFor(current, view.runningRequests(), runningTarget));
        return behavior.apply(current, recommended, view.now());
    }

    /** The HPA's replica count for one {@code AverageValue} metric. */
    public static int replicasFor(int current, double metric, double targetAverage) {
        if (current == 0) {
            return (int) Math.ceil(metric / targetAverage);
        }
        double ratio = metric / (targetAverage * current);
        if (Math.abs(ratio - 1) <= TOLERANCE) {
            return current;
        }
        return (int) Math.ceil(ratio * current - 1e-9);
    }
}
