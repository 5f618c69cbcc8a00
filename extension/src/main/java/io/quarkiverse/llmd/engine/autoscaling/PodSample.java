package io.quarkiverse.llmd.engine.autoscaling;

/**
 * One scrape of one replica's load, as the model server reports it ({@code vllm:num_requests_waiting},
 * {@code vllm:num_requests_running}, {@code vllm:kv_cache_usage_perc}).
 *
 * @param waiting requests queued on the replica
 * @param running requests in its batch
 * @param kvUsage fraction of its KV cache in use, in [0, 1]
 */
public record PodSample(int waiting, int running, double kvUsage) {

    public PodSample {
        if (waiting < 0 || running < 0 || !(kvUsage >= 0 && kvUsage <= 1)) {
            throw new IllegalArgumentException("need waiting >= 0, running >= 0, 0 <= kvUsage <= 1");
        }
    }
}
