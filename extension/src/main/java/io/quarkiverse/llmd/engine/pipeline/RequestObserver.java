package io.quarkiverse.llmd.engine.pipeline;

import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * Watches requests end, with their timings, so that features which learn from traffic (the latency predictor, the
 * autoscaler, dashboards) subscribe to the pipeline instead of patching the edges. Called on the request's thread,
 * exactly once per request: implementations must be quick and must not block.
 */
public interface RequestObserver {

    /** A routed request completed (successfully or not, including client disconnects and upstream failures). */
    void completed(RequestRecord record);

    /**
     * A request was refused before it reached a model server.
     *
     * @param request the parsed request, or null when the body could not be parsed
     */
    default void rejected(String pool, InferenceRequest request, Decision.Rejected rejection) {
    }
}
