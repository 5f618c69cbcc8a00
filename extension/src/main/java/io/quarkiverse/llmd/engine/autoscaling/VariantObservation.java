package io.quarkiverse.llmd.engine.autoscaling;

import java.util.List;

/**
 * What the runtime observed of one variant this cycle.
 *
 * @param variant the variant's name
 * @param currentReplicas replicas the scale target asks for now (ready and pending)
 * @param readyReplicas replicas serving
 * @param replicas per-replica metrics, possibly fewer than {@code currentReplicas} (pending replicas report none)
 */
public record VariantObservation(String variant, int currentReplicas, int readyReplicas,
        List<ReplicaMetrics> replicas) {

    public VariantObservation {
        if (currentReplicas < 0 || readyReplicas < 0) {
            throw new IllegalArgumentException(variant + ": replica counts must be >= 0");
        }
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }
}
