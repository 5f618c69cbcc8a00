package io.quarkiverse.llmd.simulator.engine;

/**
 * Told by a driver, on the driver's thread, what happened to a request. Implementations must not block: the HTTP
 * layer hands the call over to its Vert.x context.
 */
public interface RequestObserver {

    /**
     * The request has produced tokens.
     *
     * @param numOutput output tokens produced so far (the new ones are those beyond the previous call)
     * @param simTime simulated seconds since the driver started
     */
    void onTokens(SimRequest request, int numOutput, double simTime);

    /** The request finished: {@code stop}, {@code length}, {@code abort} or {@code error}. Called once. */
    void onFinished(SimRequest request, String reason, int numOutput, double simTime);
}
