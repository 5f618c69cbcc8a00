package io.quarkiverse.llmd.engine.autoscaling;

/**
 * How the online calibration weighs evidence and when it trusts itself.
 *
 * @param minSamples effective observations (one per decode or first-token timing) before the fit may decide
 * @param maxRelativeError highest relative standard error of the predicted iteration times (at batch 1 and at the
 *        batch limit, for the current token mix) that still counts as confident
 * @param forgetting weight kept by past observations at each new one, in (0, 1]; {@code 1 / (1 - forgetting)} is
 *        the memory in observations and must exceed {@code minSamples}
 * @param podSmoothing weight of a new pod scrape in the smoothed batch-limit estimates, in (0, 1]
 */
public record CalibrationConfig(int minSamples, double maxRelativeError, double forgetting, double podSmoothing) {

    public CalibrationConfig {
        if (minSamples < 4) {
            throw new IllegalArgumentException("minSamples must be >= 4 (three parameters and a residual), got "
                    + minSamples);
        }
        if (!(maxRelativeError > 0)) {
            throw new IllegalArgumentException("maxRelativeError must be > 0, got " + maxRelativeError);
        }
        if (!(forgetting > 0 && forgetting <= 1)) {
            throw new IllegalArgumentException("forgetting must be in (0, 1], got " + forgetting);
        }
        if (forgetting < 1 && 1 / (1 - forgetting) <= minSamples) {
            throw new IllegalArgumentException("forgetting " + forgetting + " remembers fewer than minSamples "
                    + minSamples + " observations");
        }
        if (!(podSmoothing > 0 && podSmoothing <= 1)) {
            throw new IllegalArgumentException("podSmoothing must be in (0, 1], got " + podSmoothing);
        }
    }

    /** 40 observations, 10 % relative error, a memory of about 1,000 observations, pod smoothing 0.2. */
    public static CalibrationConfig defaults() {
        return new CalibrationConfig(40, 0.10, 0.999, 0.2);
    }
}
