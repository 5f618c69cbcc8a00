package io.quarkiverse.llmd.engine.autoscaling;

import java.util.Locale;

/** One variant's decision under construction, as {@link VariantAutoscaler} builds it step by step. */
final class DecisionDraft {
    final VariantSpec spec;
    final int current;
    final int ready;
    Calibration calibration;
    ReplicaCapacity capacity;
    Integer modelTarget;
    Integer saturationTarget;
    double unmet;
    double plannedRate;
    /** the rise earlier periods showed over the coming cold start, where it set {@link #plannedRate}; else 0 */
    double recurringRise;
    /** the model's allocation of the whole group covers what the saturation analyzer needs: the model decides */
    boolean guardSatisfied;
    /**
     * the model used the variant's benchmarked profile: its own fit is not confident yet, or ({@link #extrapolated})
     * would be used beyond the batches it was fitted on
     */
    boolean fromPrior;
    /**
     * a confident fit whose plan went beyond its batches, which then gave way to the profile or planned a little
     * beyond them; {@code null} otherwise
     */
    Extrapolation extrapolated;

    /**
     * A confident fit that the plan would use beyond its data.
     *
     * @param largestSeen the largest batch among the timings the fit remembers
     * @param plannedBatch the mean batch the fit predicts for one replica at its capacity
     * @param trustedBatch the mean batch up to which the fit planned, a little beyond {@code largestSeen}; 0 where
     *        the profile planned
     */
    record Extrapolation(int largestSeen, double plannedBatch, double trustedBatch) {

        boolean reached() {
            return trustedBatch > 0;
        }
    }
    double saturationShortfall;
    double demandTokens;
    double supplyTokens;
    int desired;
    ScalingReason reason;
    String detail;

    DecisionDraft(VariantSpec spec, int current, int ready) {
        this.spec = spec;
        this.current = current;
        this.ready = ready;
        this.desired = current;
    }

    void set(int replicas, ScalingReason why, String text) {
        desired = replicas;
        reason = why;
        detail = text;
    }

    /** Any-up / all-down of model and saturation targets, then the variant's bounds. */
    void combine() {
        if (modelTarget == null && saturationTarget == null) {
            set(current, ScalingReason.LOW_CONFIDENCE, "no confident model and no replica capacity known: holding");
        } else if (modelTarget == null) {
            boolean confident = calibration != null && calibration.confident();
            set(saturationTarget, confident ? ScalingReason.SATURATION_GUARD : ScalingReason.LOW_CONFIDENCE,
                    confident ? "the latency targets cannot be met on this variant at any rate; saturation decided"
                            : String.format(Locale.ROOT,
                                    "model not calibrated (%.0f samples, relative error %.3f); saturation decided",
                                    calibration.samples(), calibration.relativeError()));
        } else if (saturationTarget == null || modelTarget >= saturationTarget || guardSatisfied) {
            set(modelTarget, ScalingReason.MODEL, String.format(Locale.ROOT,
                    "cheapest cover of %.3f req/s%s at %.3f req/s per replica (bound by %s)%s", plannedRate,
                    recurringRise > 0 ? String.format(Locale.ROOT, " (%.3f of it the rise seen at this time on"
                            + " earlier days)", recurringRise) : "",
                    capacity.ratePerSecond(), capacity.limit(),
                    extrapolated != null && extrapolated.reached()
                            ? String.format(Locale.ROOT, ", the fit trusted up to a mean batch of %.1f (its timings"
                                    + " reach %d, its plan needs %.1f)", extrapolated.trustedBatch(),
                                    extrapolated.largestSeen(),
                                    extrapolated.plannedBatch())
                    : !fromPrior ? ""
                            : extrapolated == null ? ", from the benchmarked profile (not calibrated yet)"
                                    : String.format(Locale.ROOT, ", from the benchmarked profile (the fit has timings"
                                            + " up to batch %d, its plan needs %.0f)", extrapolated.largestSeen(),
                                            extrapolated.plannedBatch())));
        } else {
            set(saturationTarget, ScalingReason.SATURATION_GUARD, String.format(Locale.ROOT,
                    "saturation asks %d, model %d", saturationTarget, modelTarget));
        }
        if (desired > spec.maxReplicas() || desired < spec.minReplicas()) {
            int bounded = Math.max(spec.minReplicas(), Math.min(spec.maxReplicas(), desired));
            set(bounded, ScalingReason.BOUNDS, String.format(Locale.ROOT, "%d clamped to [%d, %d]", desired,
                    spec.minReplicas(), spec.maxReplicas()));
        } else if (desired == spec.maxReplicas() && reason == ScalingReason.MODEL && unmet > 0) {
            set(desired, ScalingReason.BOUNDS, String.format(Locale.ROOT,
                    "at maximum %d; %.3f req/s beyond what the model's variants can carry", desired, unmet));
        } else if (desired == spec.maxReplicas() && reason != ScalingReason.MODEL && saturationShortfall > 0) {
            set(desired, ScalingReason.BOUNDS, String.format(Locale.ROOT,
                    "at maximum %d; saturation needs %.0f more KV tokens than the variants can add (%s)", desired,
                    saturationShortfall, detail));
        }
    }

    ScalingDecision decision(ModelSnapshot snapshot, long nowNanos) {
        TokenMix mix = snapshot.mix();
        ScalingDecision.Inputs inputs = new ScalingDecision.Inputs(snapshot.arrivalRate(),
                mix == null ? 0 : mix.promptTokens(), mix == null ? 0 : mix.outputTokens(),
                snapshot.waitingRequests(), calibration, capacity == null ? 0 : capacity.ratePerSecond(),
                capacity == null ? null : capacity.limit(), modelTarget, saturationTarget, demandTokens,
                supplyTokens, unmet, plannedRate);
        return new ScalingDecision(spec.name(), spec.modelId(), spec.hardwareClass(), spec.role(), nowNanos,
                current, ready, desired, reason, detail, inputs);
    }
}
