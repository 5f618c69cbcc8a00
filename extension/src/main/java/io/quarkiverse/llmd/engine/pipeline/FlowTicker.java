package io.quarkiverse.llmd.engine.pipeline;

/**
 * Runs flow control's dispatch cycle periodically while requests wait. The runtime implements it with a Vert.x
 * periodic timer; tests can tick by hand.
 */
@FunctionalInterface
public interface FlowTicker {

    /**
     * Starts calling {@code tick} every {@code periodMillis}, never concurrently with itself.
     *
     * @return stops the ticking
     */
    Runnable start(long periodMillis, Runnable tick);

    /** Never ticks by itself: the owner calls {@link RequestPipeline#runFlowControlCycle()}. */
    FlowTicker MANUAL = (period, tick) -> () -> {
    };
}
