package io.quarkiverse.llmd.engine.pipeline;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;

/**
 * What happened to one request the pipeline routed, handed to every {@link RequestObserver} once it completed.
 * Times are the pipeline's monotonic clock ({@code System.nanoTime()} in the gateway, virtual time in the cluster
 * simulator): compare them with each other only.
 *
 * @param pool the pool that served it
 * @param requestId the request id
 * @param model the model the client named
 * @param targetModel the model routed for, after rewrite
 * @param fairnessId the fairness id, or null when the request carried none
 * @param priority the objective's priority
 * @param endpoint name of the endpoint that served the last attempt
 * @param attempts how many endpoints were tried (1 without retry)
 * @param receivedNanos when the pipeline received the request
 * @param dispatchedNanos when scheduling placed it (after any flow-control wait)
 * @param firstTokenNanos when the first response chunk arrived, or -1 if none did
 * @param lastTokenNanos when the exchange ended
 * @param promptTokens prompt tokens from the usage, or -1 when unknown
 * @param completionTokens completion tokens from the usage, or -1 when unknown
 * @param cachedTokens prompt tokens served from the prefix cache, or -1 when unknown
 * @param success whether the model server answered with a 2xx and the body completed
 * @param endpointMetrics the serving endpoint's metrics as the pipeline saw them when it placed the request: with
 *        the endpoint's metrics now, {@link EndpointMetrics#meanRunningSince} tells the batch it ran beside
 */
public record RequestRecord(String pool, String requestId, String model, String targetModel, String fairnessId,
        int priority, String endpoint, int attempts, long receivedNanos, long dispatchedNanos, long firstTokenNanos,
        long lastTokenNanos, long promptTokens, long completionTokens, long cachedTokens, boolean success,
        EndpointMetrics endpointMetrics) {

    public RequestRecord {
        if (endpointMetrics == null) {
            endpointMetrics = EndpointMetrics.NONE;
        }
    }

    /** Time spent waiting for admission (flow control) and scheduling. */
    public long queueNanos() {
        return dispatchedNanos - receivedNanos;
    }

    /** Time to first token from receipt, or -1 when no token came. */
    public long ttftNanos() {
        return firstTokenNanos < 0 ? -1 : firstTokenNanos - receivedNanos;
    }

    /**
     * Mean time per output token after the first, or -1 when it cannot be told (no usage, a single token, or no
     * first token).
     */
    public double tpotNanos() {
        if (firstTokenNanos < 0 || completionTokens < 2) {
            return -1;
        }
        return (double) (lastTokenNanos - firstTokenNanos) / (completionTokens - 1);
    }
}
