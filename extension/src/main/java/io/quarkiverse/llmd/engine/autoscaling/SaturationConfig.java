package io.quarkiverse.llmd.engine.autoscaling;

/**
 * Thresholds of the token-based saturation analyzer (V2), with the defaults of the shipped {@code default} entry
 * (reference deltas 3.4, autoscaler 1.5.2).
 *
 * @param kvCacheThreshold KV-cache fraction a replica may fill: its memory-bound capacity is this share of its cache
 * @param queueLengthThreshold queued requests at which a replica counts as compute-bound (its resident tokens are
 *        then its observed capacity)
 * @param scaleUpThreshold demand above this share of anticipated supply adds replicas
 * @param scaleDownBoundary demand below this share of supply lets replicas go; must be below
 *        {@code scaleUpThreshold}, the gap is the analyzer's own hysteresis
 */
public record SaturationConfig(double kvCacheThreshold, int queueLengthThreshold, double scaleUpThreshold,
        double scaleDownBoundary) {

    public SaturationConfig {
        if (!(kvCacheThreshold > 0 && kvCacheThreshold <= 1)) {
            throw new IllegalArgumentException("kvCacheThreshold must be in (0, 1], got " + kvCacheThreshold);
        }
        if (queueLengthThreshold < 1) {
            throw new IllegalArgumentException("queueLengthThreshold must be >= 1, got " + queueLengthThreshold);
        }
        if (!(scaleUpThreshold > 0 && scaleUpThreshold <= 1)) {
            throw new IllegalArgumentException("scaleUpThreshold must be in (0, 1], got " + scaleUpThreshold);
        }
        if (!(scaleDownBoundary > 0 && scaleDownBoundary < scaleUpThreshold)) {
            throw new IllegalArgumentException("scaleDownBoundary must be in (0, scaleUpThreshold), got "
                    + scaleDownBoundary);
        }
    }

    /** 0.80 KV, 5 queued, scale up above 0.85, down below 0.70. */
    public static SaturationConfig defaults() {
        return new SaturationConfig(0.80, 5, 0.85, 0.70);
    }
}
