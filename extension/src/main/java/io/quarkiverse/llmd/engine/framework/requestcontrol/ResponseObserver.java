package io.quarkiverse.llmd.engine.framework.requestcontrol;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * Follows a scheduled request's response. {@link #responseComplete} always runs exactly once per scheduled request,
 * also when the client went away, so counters taken in a {@link PreRequest} hook are always given back.
 */
public interface ResponseObserver extends Plugin {

    /** Response headers arrived from {@code served} (the endpoint that actually answered). */
    default void responseStarted(SchedulingContext context, Endpoint served) {
    }

    /** First body bytes (the first token of a stream) arrived. */
    default void firstChunk(SchedulingContext context, Endpoint served) {
    }

    /**
     * The exchange ended, successfully or not.
     *
     * @param served the endpoint that answered, or the primary target when no response came
     * @param outcome how it ended, with the token usage when the response reported it
     */
    void responseComplete(SchedulingContext context, Endpoint served, ResponseOutcome outcome);
}
