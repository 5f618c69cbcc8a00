package io.quarkiverse.llmd.engine.autoscaling;

/**
 * One replica's scraped state, as the saturation analyzer and the calibration read it.
 *
 * @param pod the replica's name
 * @param ready whether it serves (pending replicas count in anticipated supply only)
 * @param waiting {@code vllm:num_requests_waiting}
 * @param running {@code vllm:num_requests_running}
 * @param kvUsage {@code vllm:kv_cache_usage_perc}, in [0, 1]
 * @param kvCapacityTokens {@code num_gpu_blocks * block_size} from {@code vllm:cache_config_info}; 0 when unknown
 * @param admissionLimit the most requests the gateway's saturation detector lets the replica hold now
 *        ({@code SaturationDetector#admissionLimit}); 0 when the gateway does not bound it
 */
public record ReplicaMetrics(String pod, boolean ready, int waiting, int running, double kvUsage,
        long kvCapacityTokens, double admissionLimit) {

    public ReplicaMetrics {
        if (waiting < 0 || running < 0 || !(kvUsage >= 0 && kvUsage <= 1) || kvCapacityTokens < 0
                || !(admissionLimit >= 0) || Double.isInfinite(admissionLimit)) {
            throw new IllegalArgumentException(pod + ": need waiting, running, kvCapacityTokens >= 0, kvUsage in"
                    + " [0, 1] and a finite admissionLimit >= 0");
        }
    }

    /** A replica the gateway does not bound. */
    public ReplicaMetrics(String pod, boolean ready, int waiting, int running, double kvUsage,
            long kvCapacityTokens) {
        this(pod, ready, waiting, running, kvUsage, kvCapacityTokens, 0);
    }

    /** Tokens resident in the KV cache. */
    public double tokensInUse() {
        return kvUsage * kvCapacityTokens;
    }

    PodSample sample() {
        return new PodSample(waiting, running, kvUsage, admissionLimit);
    }
}
