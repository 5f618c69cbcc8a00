package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.List;

import io.quarkiverse.llmd.engine.autoscaling.ReplicaMetrics;

/**
 * What a scaling policy sees of the simulated pool at one evaluation, the way a controller would read it from
 * Prometheus and the scale target: replica counts from the scale target, per-pod metrics from the last scrape,
 * the gateway's flow-control queue and running requests (the EPP's {@code llm_d_epp_flow_control_queue_size} and
 * {@code llm_d_epp_request_running}), and the requests that completed since the last evaluation.
 *
 * @param now virtual time in seconds
 * @param currentReplicas replicas the scale target asks for (starting and ready; draining pods are gone from it)
 * @param readyReplicas of which serving
 * @param replicas the last scrape of each ready pod
 * @param flowQueueSize requests waiting in the gateway's flow control
 * @param flowQueueTokens prompt tokens of those requests
 * @param runningRequests requests the gateway has dispatched to pods and not seen finish
 * @param arrivalRate requests per second that arrived since the last evaluation
 * @param completions requests that completed since the last evaluation
 */
public record PoolView(double now, int currentReplicas, int readyReplicas, List<ReplicaMetrics> replicas,
        int flowQueueSize, double flowQueueTokens, int runningRequests, double arrivalRate,
        List<Completion> completions) {

    public PoolView {
        replicas = List.copyOf(replicas);
        completions = List.copyOf(completions);
    }

    /**
     * One completed request as the gateway saw it.
     *
     * @param promptTokens prompt tokens
     * @param cachedTokens of which served from the pod's prefix cache
     * @param outputTokens tokens generated
     * @param ttftFromDispatch seconds from dispatch to the pod until the first token
     * @param tpot mean seconds per output token after the first (0 with one output token)
     * @param batch requests running on the pod beside this one, itself included: the mean of the pod's scraped
     *        batch from its dispatch to its end, as the gateway tells it
     */
    public record Completion(int promptTokens, int cachedTokens, int outputTokens, double ttftFromDispatch,
            double tpot, double batch) {
    }
}
