package io.quarkiverse.llmd.engine.autoscaling;

/**
 * One variant's decision, with what it was based on: the record a decision log writes (it serializes to JSON as is,
 * components in declaration order).
 *
 * @param variant the variant
 * @param modelId its model
 * @param hardwareClass its accelerator type
 * @param role its prefill/decode role
 * @param atNanos the caller's time of the decision, in nanoseconds
 * @param currentReplicas replicas before the decision
 * @param readyReplicas of which serving
 * @param desiredReplicas replicas after the decision
 * @param reason why
 * @param detail a sentence for humans saying the same with numbers
 * @param inputs what the decision used
 */
public record ScalingDecision(String variant, String modelId, String hardwareClass, Role role, long atNanos,
        int currentReplicas, int readyReplicas, int desiredReplicas, ScalingReason reason, String detail,
        Inputs inputs) {

    /**
     * What a decision was based on.
     *
     * @param arrivalRate the model's requests per second
     * @param promptTokens mean prompt tokens (0 when unknown)
     * @param outputTokens mean output tokens (0 when unknown)
     * @param waitingRequests requests of the model waiting in the gateway
     * @param calibration the variant's calibrated parameters and confidence, or {@code null} when never fitted
     * @param ratePerReplica requests per second one replica carries within the targets (0 when unknown or
     *        infeasible)
     * @param capacityLimit what bounds that rate ({@code null} when the model was not used)
     * @param modelTarget the model's replica target before guards and hysteresis ({@code null} when it had none)
     * @param saturationTarget the saturation analyzer's target ({@code null} when it had no capacity to go by)
     * @param demandTokens the saturation analyzer's demand for the variant's group
     * @param supplyTokens the saturation analyzer's supply for the variant's group
     * @param unmetRate requests per second the group cannot carry even at its maximum
     * @param plannedRate the rate the model sized for: the arrival rate plus its rising trend over the cold start
     *        plus the backlog's drain rate ({@link DemandForecast})
     */
    public record Inputs(double arrivalRate, double promptTokens, double outputTokens, int waitingRequests,
            Calibration calibration, double ratePerReplica, ReplicaCapacity.Limit capacityLimit, Integer modelTarget,
            Integer saturationTarget, double demandTokens, double supplyTokens, double unmetRate, double plannedRate) {

        /** Inputs of a decision that planned for the arrival rate itself. */
        public Inputs(double arrivalRate, double promptTokens, double outputTokens, int waitingRequests,
                Calibration calibration, double ratePerReplica, ReplicaCapacity.Limit capacityLimit,
                Integer modelTarget, Integer saturationTarget, double demandTokens, double supplyTokens,
                double unmetRate) {
            this(arrivalRate, promptTokens, outputTokens, waitingRequests, calibration, ratePerReplica, capacityLimit,
                    modelTarget, saturationTarget, demandTokens, supplyTokens, unmetRate, arrivalRate);
        }
    }

    /** {@code up}, {@code down} or {@code none}: the direction label of a scaling counter. */
    public String direction() {
        return desiredReplicas > currentReplicas ? "up" : desiredReplicas < currentReplicas ? "down" : "none";
    }

    /** Desired over current replicas, or desired when current is 0 (the {@code wva_desired_ratio} gauge). */
    public double desiredRatio() {
        return currentReplicas == 0 ? desiredReplicas : (double) desiredReplicas / currentReplicas;
    }
}
