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
 * @param trendWindow how far back the arrival rates count for the trend that is extrapolated over a variant's cold
 *        start ({@link DemandForecast}); 0 sizes for the rate seen now
 * @param backlogDrainTime within how long requests waiting in the gateway should be served on top of the arrivals:
 *        their count divided by this is added to the rate the model sizes for; 0 ignores the backlog
 * @param recurrencePeriod the period after which demand tends to repeat (a day), a whole number of minutes
 *        ({@link RecurringDemand})
 * @param recurringPeriods how many past periods of arrival rates are remembered; where their median shows a rise over
 *        the coming cold start that noise cannot explain, the model sizes for it before it comes; 0 forgets them
 */
public record AutoscalerConfig(SloTargets defaultTargets, Map<String, SloTargets> targetsByModel,
        Duration stabilizationWindow, double scaleDownMargin, Duration scaleToZeroAfter, Duration coldStartHorizon,
        int queueToBatchRatio, Map<String, PdRatio> pdRatioByModel, SaturationConfig saturation,
        CalibrationConfig calibration, Duration trendWindow, Duration backlogDrainTime, Duration recurrencePeriod,
        int recurringPeriods) {

    /**
     * Default {@code trendWindow}: two minutes of rates (8 evaluations at 15 s). Five minutes lag a ramp: on the
     * simulated day's morning the fit over 5 min still held the flat night and planned +0.4 req/s where the ramp
     * added +1.3 over the cold start (docs/benchmarks.md, "A compressed day").
     */
    public static final Duration DEFAULT_TREND_WINDOW = Duration.ofMinutes(2);
    /** Default {@code backlogDrainTime}: a backlog is served within a minute. */
    public static final Duration DEFAULT_BACKLOG_DRAIN_TIME = Duration.ofMinutes(1);
    /** Default {@code recurrencePeriod}: a day. */
    public static final Duration DEFAULT_RECURRENCE_PERIOD = Duration.ofDays(1);
    /** Default {@code recurringPeriods}: a week of days, so a burst must have come on four of them to be foreseen. */
    public static final int DEFAULT_RECURRING_PERIODS = 7;

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
        if (trendWindow == null || backlogDrainTime == null || trendWindow.isNegative()
                || backlogDrainTime.isNegative()) {
            throw new IllegalArgumentException("trendWindow and backlogDrainTime must be >= 0");
        }
        if (recurrencePeriod == null
                || recurrencePeriod.compareTo(Duration.ofMinutes(RecurringDemand.MAX_MINUTES)) > 0) {
            throw new IllegalArgumentException("recurrencePeriod must be at most " + RecurringDemand.MAX_MINUTES
                    + " minutes, got " + recurrencePeriod);
        }
        RecurringDemand.checkSettings(recurrencePeriod.toNanos(), recurringPeriods);
    }

    /** The knobs without the recurrence's: {@link #DEFAULT_RECURRENCE_PERIOD}, {@link #DEFAULT_RECURRING_PERIODS}. */
    public AutoscalerConfig(SloTargets defaultTargets, Map<String, SloTargets> targetsByModel,
            Duration stabilizationWindow, double scaleDownMargin, Duration scaleToZeroAfter, Duration coldStartHorizon,
            int queueToBatchRatio, Map<String, PdRatio> pdRatioByModel, SaturationConfig saturation,
            CalibrationConfig calibration, Duration trendWindow, Duration backlogDrainTime) {
        this(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin, scaleToZeroAfter, coldStartHorizon,
                queueToBatchRatio, pdRatioByModel, saturation, calibration, trendWindow, backlogDrainTime,
                DEFAULT_RECURRENCE_PERIOD, DEFAULT_RECURRING_PERIODS);
    }

    /** The knobs without the forecast's: {@link #DEFAULT_TREND_WINDOW} and {@link #DEFAULT_BACKLOG_DRAIN_TIME}. */
    public AutoscalerConfig(SloTargets defaultTargets, Map<String, SloTargets> targetsByModel,
            Duration stabilizationWindow, double scaleDownMargin, Duration scaleToZeroAfter, Duration coldStartHorizon,
            int queueToBatchRatio, Map<String, PdRatio> pdRatioByModel, SaturationConfig saturation,
            CalibrationConfig calibration) {
        this(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin, scaleToZeroAfter, coldStartHorizon,
                queueToBatchRatio, pdRatioByModel, saturation, calibration, DEFAULT_TREND_WINDOW,
                DEFAULT_BACKLOG_DRAIN_TIME);
    }

    /**
     * TTFT 2 s and ITL 80 ms, stabilization 5 min (the HPA default for scaling down and llm-d's KEDA guide), margin
     * 10 %, scale to zero after 10 min idle (WVA's retention period), cold start paid off over 30 min, 10 waiting
     * per batch slot, V2 saturation defaults, calibration defaults, a 2 min trend extrapolated over the cold start
     * and a backlog served within 1 min, and a week of days' arrival rates remembered for bursts that recur.
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
                coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration,
                trendWindow, backlogDrainTime, recurrencePeriod, recurringPeriods);
    }

    public AutoscalerConfig withPdRatio(String modelId, PdRatio ratio) {
        Map<String, PdRatio> m = new HashMap<>(pdRatioByModel);
        m.put(modelId, ratio);
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin,
                scaleToZeroAfter, coldStartHorizon, queueToBatchRatio, m, saturation, calibration, trendWindow,
                backlogDrainTime, recurrencePeriod, recurringPeriods);
    }

    public AutoscalerConfig withStabilization(Duration window, double margin) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, window, margin, scaleToZeroAfter,
                coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration,
                trendWindow, backlogDrainTime, recurrencePeriod, recurringPeriods);
    }

    public AutoscalerConfig withScaleToZeroAfter(Duration idle) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin, idle,
                coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration,
                trendWindow, backlogDrainTime, recurrencePeriod, recurringPeriods);
    }

    public AutoscalerConfig withCalibration(CalibrationConfig newCalibration) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin,
                scaleToZeroAfter, coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, newCalibration,
                trendWindow, backlogDrainTime, recurrencePeriod, recurringPeriods);
    }

    /**
     * @param window rates that count for the trend (0: size for the rate seen now)
     * @param drain within how long a gateway backlog is served (0: ignore it)
     */
    public AutoscalerConfig withForecast(Duration window, Duration drain) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin,
                scaleToZeroAfter, coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration, window,
                drain, recurrencePeriod, recurringPeriods);
    }

    /**
     * @param period after how long demand tends to repeat (a whole number of minutes)
     * @param periods past periods remembered (0: none, no rise is foreseen)
     */
    public AutoscalerConfig withRecurrence(Duration period, int periods) {
        return new AutoscalerConfig(defaultTargets, targetsByModel, stabilizationWindow, scaleDownMargin,
                scaleToZeroAfter, coldStartHorizon, queueToBatchRatio, pdRatioByModel, saturation, calibration,
                trendWindow, backlogDrainTime, period, periods);
    }
}
