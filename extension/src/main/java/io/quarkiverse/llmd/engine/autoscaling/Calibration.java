package io.quarkiverse.llmd.engine.autoscaling;

/**
 * A variant's calibrated model at one moment, and how far to trust it.
 *
 * @param parameters the fitted iteration-time parameters, or {@code null} before any fit is possible
 * @param samples effective number of timings behind the fit (decayed by forgetting)
 * @param relativeError relative standard error of the predicted iteration times for the current mix
 *        ({@code Infinity} when unknown)
 * @param confidence in [0, 1]: grows with samples up to {@code minSamples} and falls as the error nears twice
 *        {@code maxRelativeError}
 * @param confident whether the model may decide: enough samples and an error within {@code maxRelativeError}
 * @param maxBatch the batch limit N the queueing model uses: the configured {@code --max-num-seqs}, lowered by what
 *        the replicas' metrics show
 */
public record Calibration(ServiceParameters parameters, double samples, double relativeError, double confidence,
        boolean confident, int maxBatch) {
}
