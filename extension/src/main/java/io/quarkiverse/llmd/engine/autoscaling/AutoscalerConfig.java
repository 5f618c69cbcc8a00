package io.quarkiverse.llmd.engine.autoscaling;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The knobs of the variant autoscaler's engine.
 *
 * @param defaultTargets latency targets of models without their own
 * @param targetsByModel latency targets per model id
 * @param stabilizationWindow how long a lower target must hold before replicas go (scale-up is immediate)
 * @param scaleDownMargin extra demand, as a fraction, the model must still carry at the lower count before it may
 *        scale down; at 0.1 the lower count must carry 110 % of the observed rate
 * @param scaleToZeroAfter how long a model must see no load before variants with {@code minReplicas = 0} go to zero
 * @param coldStartHorizon over how long waking a variant from zero is paid off: the cold-start penalty is the
 *        variant's replica-hour cost times {@code coldStartSeconds / coldStartHorizon}, so a variant that is
 *        already up wins close calls
 * @param queueToBatchRatio waiting requests per batch slot in the queueing model
 * @param pdRatioByModel prefill/decode replica-ratio ranges of disaggregated models
 * @param saturation the saturation analyzer's thresholds
 * @param calibration the online calibration's settings
 */
public record AutoscalerConfig(SloTargets defaultTargets, Map<String, SloTargets> targetsByModel,
        Duration stabilizationWindow, double scaleDownMargin, Duration scaleToZeroAfter, Duration coldStartHorizon,
        int queueToBatchRatio, Map<String, PdRatio> pdRatioByModel, SaturationConfig saturation,
        CalibrationConfig calibration) {

    public AutoscalerConfig {
        targetsByModel = Map.copyOf(targetsByModel);
        pdRatioByModel = Map.copyOf(pdRatioByModel);
        if (stabilizationWindow.isNegative() || scaleToZeroAfter.isNegative() || coldStartHorizon.isNegative()
                || coldStartHorizon.isZero()) {
            throw new IllegalArgumentException("windows must be >= 0 and coldStartHorizon > 0");
        }
        if (!(scaleDownMargin >= 0) || Double.isInfinite(scaleDownMargin)) {
            throw new IllegalArgumentException("scaleDownMargin must be a finite number >= 0, got " + scaleDownMargin);
        }
        if (queueToBatchRatio < 0) {
            throw new IllegalArgumentException("queueToBatchRatio must be >= 0");
        }
    }

    /**
     * TTFT 2 s and ITL 80 ms, stabilization 5 min (the HPA default for scaling down and llm-d's KEDA guide), margin
     * 10 %, scale to zero after 10 min idle (WVA's retention period), cold start paid off over 30 min, 10 waiting
     * per batch slot, V2 saturation defaults, calibration defaults.
     */
    public static AutoscalerConfig defaults() {
        return new AutoscalerConfig(new SloTargets(2.0, 0.08), Map.of(), Duration.ofMinutes(5), 0.10,
                Duration.ofMinutes(10), Duration.ofMinutes(30), QueueingModel.DEFAULT_QUEUE_TO_BATCH_RATIO, Map.of(),
                SaturationConfig.defaults(), CalibrationConfig.defaults());
    }

    /** The targets of {@code modelId}. */
    public SloTargets targetsFor(String modelId) {
        return targetsByModel.getOrDefault(modelId, defaultTargets);
    }

    public AutoscalerConfig withTargets(String modelId, SloTargets targets) {
        Map<String, SloTargets> m = new HashMap<>(targetsByModel);
        m.put(modelId, targets);
        return new AutoscalerConfig(defaultTargets, m, stabilizationWindow, scaleDownMargin, scaleToZeroAfter,
                coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration);
    }

    public AutoscalerConfig withPdRatio(String modelId, PdRatio ratio) {
        Map<String, PdRatio> m = new HashMap<>(pdRatioByModel);
        m.put(modelId, ratio);
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin,
                scaleToZeroAfter, coldStartHorizon, queueToBatchRatio, m, saturation, calibration);
    }

    public AutoscalerConfig withStabilization(Duration window, double margin) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, window, margin, scaleToZeroAfter,
                coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration);
    }

    public AutoscalerConfig withScaleToZeroAfter(Duration idle) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin, idle,
                coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration);
    }

    public AutoscalerConfig withCalibration(CalibrationConfig newCalibration) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin,
                scaleToZeroAfter, coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, newCalibration);
    }
}
