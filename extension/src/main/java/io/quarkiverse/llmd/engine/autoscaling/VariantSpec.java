package io.quarkiverse.llmd.engine.autoscaling;

/**
 * A variant: one model served on one hardware class, optionally in one prefill/decode role, scaled as one target.
 *
 * @param name unique name (the scale target's HPA or ScaledObject name, which becomes {@code variant_name})
 * @param modelId the served model name, as the model server labels its metrics
 * @param hardwareClass the accelerator type, e.g. {@code H100} (the {@code accelerator_type} label)
 * @param role what the replicas do
 * @param costPerReplicaHour cost of one replica for one hour, in any unit shared by the model's variants
 * @param minReplicas lowest replica count; 0 allows scale to zero
 * @param maxReplicas highest replica count
 * @param maxNumSeqs most requests in one batch ({@code --max-num-seqs}); the queueing model's N before calibration
 * @param maxNumBatchedTokens tokens per engine step ({@code --max-num-batched-tokens}); 0 when unknown
 * @param coldStartSeconds time from scheduling a replica to it serving, for the cost of waking from zero
 * @param prior iteration-time parameters benchmarked offline for this model on this hardware (WVA's model profiles),
 *        used while the online fit is not confident; {@code null} when none: the variant then waits for its own
 *        timings, which a variant at zero replicas never produces
 */
public record VariantSpec(String name, String modelId, String hardwareClass, Role role, double costPerReplicaHour,
        int minReplicas, int maxReplicas, int maxNumSeqs, int maxNumBatchedTokens, double coldStartSeconds,
        ServiceTimeModel prior) {

    /** vLLM's default {@code --max-num-seqs}. */
    public static final int DEFAULT_MAX_NUM_SEQS = 256;
    /** vLLM V1's chunked-prefill step budget, used when the flag is not given. */
    public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;
    /** Time-to-ready of a 32B model on one H100 before cold-start tuning (reference deltas 7). */
    public static final double DEFAULT_COLD_START_SECONDS = 90.7;

    public VariantSpec {
        if (name == null || name.isBlank() || modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("a variant needs a name and a model id");
        }
        if (hardwareClass == null || hardwareClass.isBlank()) {
            hardwareClass = "unknown";
        }
        if (role == null) {
            role = Role.BOTH;
        }
        ServiceParameters.requireNonNegative("costPerReplicaHour", costPerReplicaHour);
        ServiceParameters.requireNonNegative("coldStartSeconds", coldStartSeconds);
        if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
            throw new IllegalArgumentException(name + ": need 0 <= minReplicas <= maxReplicas and maxReplicas >= 1, got "
                    + minReplicas + ".." + maxReplicas);
        }
        if (maxNumSeqs < 1 || maxNumBatchedTokens < 0) {
            throw new IllegalArgumentException(name + ": need maxNumSeqs >= 1 and maxNumBatchedTokens >= 0");
        }
    }

    /** A variant without a benchmarked profile. */
    public VariantSpec(String name, String modelId, String hardwareClass, Role role, double costPerReplicaHour,
            int minReplicas, int maxReplicas, int maxNumSeqs, int maxNumBatchedTokens, double coldStartSeconds) {
        this(name, modelId, hardwareClass, role, costPerReplicaHour, minReplicas, maxReplicas, maxNumSeqs,
                maxNumBatchedTokens, coldStartSeconds, null);
    }

    /** An aggregated variant with vLLM's default batch limits. */
    public static VariantSpec of(String name, String modelId, String hardwareClass, double costPerReplicaHour,
            int minReplicas, int maxReplicas) {
        return new VariantSpec(name, modelId, hardwareClass, Role.BOTH, costPerReplicaHour, minReplicas, maxReplicas,
                DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, DEFAULT_COLD_START_SECONDS);
    }

    public VariantSpec withRole(Role newRole) {
        return new VariantSpec(name, modelId, hardwareClass, newRole, costPerReplicaHour, minReplicas, maxReplicas,
                maxNumSeqs, maxNumBatchedTokens, coldStartSeconds, prior);
    }

    /** The same variant with a benchmarked profile to decide by until its own timings are confident. */
    public VariantSpec withPrior(ServiceTimeModel profile) {
        return new VariantSpec(name, modelId, hardwareClass, role, costPerReplicaHour, minReplicas, maxReplicas,
                maxNumSeqs, maxNumBatchedTokens, coldStartSeconds, profile);
    }

    /** The mix one replica of this variant serves, given the model's mix. */
    TokenMix mixFor(TokenMix modelMix) {
        return role == Role.PREFILL ? modelMix.prefillOnly() : modelMix;
    }

    /** The targets one replica of this variant answers for: a prefill replica emits one token, so no ITL. */
    SloTargets targetsFor(SloTargets modelTargets) {
        return role == Role.PREFILL ? modelTargets.ttftOnly() : modelTargets;
    }
}
