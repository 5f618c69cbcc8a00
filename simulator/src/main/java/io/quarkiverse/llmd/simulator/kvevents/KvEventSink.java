package io.quarkiverse.llmd.simulator.kvevents;

import java.util.List;

/** Where a simulated engine sends the KV events of one engine step (one vLLM {@code EventBatch}). */
@FunctionalInterface
public interface KvEventSink {

    /** A sink that drops everything, for pods run without KV events. */
    KvEventSink NONE = (timestampSeconds, events) -> {
    };

    /**
     * Publishes the events of one engine step.
     *
     * @param timestampSeconds wall-clock seconds since the epoch of the step (the batch {@code ts})
     * @param events the events, in the order they happened; never empty
     */
    void publish(double timestampSeconds, List<KvEvent> events);
}
