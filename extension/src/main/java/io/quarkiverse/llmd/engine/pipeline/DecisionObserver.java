package io.quarkiverse.llmd.engine.pipeline;

import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;

/**
 * Watches the pipeline's scheduling cycles, for tools such as the Dev UI's decision log. Called on the request's
 * thread: implementations must be quick and must not block.
 */
public interface DecisionObserver {

    /** A trace to attach to the next cycle's context, or null for none. */
    DecisionTrace trace();

    /** A scheduling cycle finished (successfully or not). */
    void decided(SchedulingContext context, SchedulingResult result);
}
