package io.quarkiverse.llmd.engine.autoscaling;

/**
 * One completed request as the gateway saw it, the unit of online calibration.
 *
 * @param promptTokens prompt tokens the replica prefilled (after prefix-cache hits, when the caller knows them)
 * @param outputTokens tokens generated
 * @param ttftSeconds time from dispatch to the replica until the first token
 * @param tpotSeconds mean time per output token after the first; ignored when {@code outputTokens < 2}
 * @param batchSize requests running on the replica beside this one (itself included), best the mean over its life
 *        (the replica's {@code num_requests_running} over the scrapes while it ran,
 *        {@link io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics#meanRunningSince}): the calibration
 *        sets it against the request's timings, and a single reading taken as the batch flattens the fitted growth
 *        of step time with the batch
 * @param waitSeconds the part of {@code ttftSeconds} the request spent waiting for a batch slot on the replica,
 *        when known (0 when the replica had a free slot)
 */
public record RequestSample(int promptTokens, int outputTokens, double ttftSeconds, double tpotSeconds,
        double batchSize, double waitSeconds) {

    public RequestSample {
        if (promptTokens < 0 || outputTokens < 1 || !(batchSize >= 1) || Double.isInfinite(batchSize)) {
            throw new IllegalArgumentException("need promptTokens >= 0, outputTokens >= 1, batchSize >= 1");
        }
        ServiceParameters.requireNonNegative("ttftSeconds", ttftSeconds);
        ServiceParameters.requireNonNegative("tpotSeconds", tpotSeconds);
        ServiceParameters.requireNonNegative("waitSeconds", waitSeconds);
    }

    /** A sample without a known wait. */
    public RequestSample(int promptTokens, int outputTokens, double ttftSeconds, double tpotSeconds,
            double batchSize) {
        this(promptTokens, outputTokens, ttftSeconds, tpotSeconds, batchSize, 0);
    }
}
