package io.quarkiverse.llmd.engine.autoscaling;

import java.util.Map;

/**
 * What the token-based saturation analyzer concluded for one group of variants (one model, or one role of a
 * disaggregated model). Token quantities are KV-cache tokens.
 *
 * @param informed whether the analyzer could judge: some variant's per-replica capacity known, and every serving
 *        replica's KV size reported; if not, the targets just hold
 * @param demandTokens resident plus queued tokens, flow-control queue included
 * @param supplyTokens ready replicas times their per-replica capacity
 * @param anticipatedSupplyTokens supply counting pending replicas as if ready
 * @param requiredTokens {@code demand / scaleUpThreshold - anticipatedSupply}; positive asks for replicas
 * @param spareTokens {@code supply - demand / scaleDownBoundary}; positive lets replicas go
 * @param shortfallTokens required tokens no variant had room for below its maximum
 * @param capacityPerReplica per variant, the median effective capacity of its replicas (0 when unknown)
 * @param targets per variant, the replica count the analyzer asks for
 */
public record SaturationAnalysis(boolean informed, double demandTokens, double supplyTokens,
        double anticipatedSupplyTokens, double requiredTokens, double spareTokens, double shortfallTokens,
        Map<String, Double> capacityPerReplica, Map<String, Integer> targets) {

    public SaturationAnalysis {
        capacityPerReplica = Map.copyOf(capacityPerReplica);
        targets = Map.copyOf(targets);
    }
}
