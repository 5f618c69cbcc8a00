package io.quarkiverse.llmd.engine.autoscaling;

/**
 * The highest rate one replica carries while meeting its latency targets.
 *
 * @param ratePerSecond served requests per second at that rate (the model's throughput there); 0 when infeasible
 * @param limit what bounds it
 * @param state the replica's solved state at that rate, or {@code null} when infeasible
 */
public record ReplicaCapacity(double ratePerSecond, Limit limit, QueueState state) {

    /** What bounds a replica's rate. */
    public enum Limit {
        /** the time-to-first-token target */
        TTFT,
        /** the inter-token-latency target */
        ITL,
        /** no target binds before the queue's stable range ends */
        STABILITY,
        /** even the lowest rate misses the time-to-first-token target */
        INFEASIBLE_TTFT,
        /** even the lowest rate misses the inter-token-latency target */
        INFEASIBLE_ITL
    }

    /** Whether the targets can be met at all on this replica. */
    public boolean feasible() {
        return limit != Limit.INFEASIBLE_TTFT && limit != Limit.INFEASIBLE_ITL;
    }

    static ReplicaCapacity infeasible(Limit limit) {
        return new ReplicaCapacity(0, limit, null);
    }
}
