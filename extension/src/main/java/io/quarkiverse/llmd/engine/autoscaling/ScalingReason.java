package io.quarkiverse.llmd.engine.autoscaling;

/** Why a variant got its desired replica count; the decision log's {@code reason}. */
public enum ScalingReason {
    /** the calibrated queueing model and the cost optimizer set it */
    MODEL,
    /** the saturation analyzer asked for more than the model (any-up), or kept replicas the model would remove */
    SATURATION_GUARD,
    /** the model is not calibrated well enough yet; the saturation analyzer decided alone */
    LOW_CONFIDENCE,
    /** clamped to the variant's minimum or maximum, or demand exceeds every variant at its maximum */
    BOUNDS,
    /** a lower target has not yet held for the stabilization window */
    HYSTERESIS,
    /** raised to keep the prefill/decode replica ratio within its configured range */
    PD_RATIO,
    /** the model had no replica and requests wait or arrive: woken at once */
    SCALE_FROM_ZERO,
    /** the model saw no load for the idle window; variants that allow it go to zero */
    SCALE_TO_ZERO,
    /** kept one replica because the model still has load (never zero while requests arrive, wait or run) */
    LOAD_FLOOR
}
