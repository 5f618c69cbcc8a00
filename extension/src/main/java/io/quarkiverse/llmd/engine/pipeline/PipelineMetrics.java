package io.quarkiverse.llmd.engine.pipeline;

import java.util.function.ToDoubleFunction;

import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * Where the request pipeline records what happens to requests. The runtime implements it with Micrometer meters
 * under llm-d's names (with bounded label values: the request is passed whole, the implementation decides which of
 * its values may become labels); the cluster simulator and unit tests use {@link #NOOP}. Implementations are called
 * on the request path and must not block.
 */
public interface PipelineMetrics {

    /** Records nothing. */
    PipelineMetrics NOOP = new PipelineMetrics() {
    };

    /** Whether anything is recorded (lets callers skip work that only feeds meters). */
    default boolean enabled() {
        return false;
    }

    /**
     * A request refused before or instead of reaching a model server.
     *
     * @param request the parsed request, or null when the body could not be parsed
     */
    default void requestError(InferenceRequest request, int priority, String errorCode) {
    }

    /** One scheduling cycle: its latency and whether it found an endpoint. */
    default void schedulingAttempt(long nanos, boolean success, String targetModel, Endpoint primary) {
    }

    /** A request was placed and is about to be forwarded. */
    default void routed(InferenceRequest request, int priority, long requestBytes, String disaggDecision) {
    }

    /** The first response chunk came, {@code nanos} after the request was received. */
    default void firstChunk(InferenceRequest request, int priority, long nanos) {
    }

    /** A routed request ended, {@code nanos} after it was received; token counts are -1 when unknown. */
    default void completed(InferenceRequest request, int priority, long nanos, long promptTokens,
            long completionTokens, long cachedTokens) {
    }

    /** A request entered the flow-control queue. */
    default void enqueued(InferenceRequest request, int priority, long bytes) {
    }

    /** How long a request waited in flow control and how it left. */
    default void queueOutcome(InferenceRequest request, String fairnessId, int priority, QueueOutcome outcome,
            long nanos, long bytes) {
    }

    /** The pool saturation just computed (admission or a dispatch cycle). */
    default void saturation(double value) {
    }

    /** Registers the flow-control queue gauges of one priority band. */
    default <T> void flowControlBand(int priority, T state, ToDoubleFunction<T> requests,
            ToDoubleFunction<T> bytes) {
    }
}
