package io.quarkiverse.llmd.engine.autoscaling;

/**
 * One scrape of one replica's load, as the model server reports it ({@code vllm:num_requests_waiting},
 * {@code vllm:num_requests_running}, {@code vllm:kv_cache_usage_perc}).
 *
 * @param waiting requests queued on the replica
 * @param running requests in its batch
 * @param kvUsage fraction of its KV cache in use, in [0, 1]
 * @param admissionLimit the most requests the gateway lets the replica hold ({@link ReplicaMetrics#admissionLimit()});
 *        0 when the gateway does not bound it
 */
public record PodSample(int waiting, int running, double kvUsage, double admissionLimit) {

    public PodSample {
        if (waiting < 0 || running < 0 || !(kvUsage >= 0 && kvUsage <= 1)
                || !(admissionLimit >= 0) || Double.isInfinite(admissionLimit)) {
            throw new IllegalArgumentException(
                    "need waiting >= 0, running >= 0, 0 <= kvUsage <= 1 and a finite admissionLimit >= 0");
        }
    }

    /** A replica the gateway does not bound. */
    public PodSample(int waiting, int running, double kvUsage) {
        this(waiting, running, kvUsage, 0);
    }
}
