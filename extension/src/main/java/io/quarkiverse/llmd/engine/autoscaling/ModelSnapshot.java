package io.quarkiverse.llmd.engine.autoscaling;

import java.util.List;

/**
 * One model's load and variants at one decision, as the runtime loop gathers them.
 *
 * @param modelId the model
 * @param arrivalRate requests per second offered to the model over the last interval (all its variants)
 * @param mix mean prompt and output tokens of the model's recent requests; {@code null} when none completed yet
 * @param waitingRequests requests of this model queued in the gateway's flow control
 * @param queuedTokens tokens those queued requests will need (prompt tokens not served from prefix cache)
 * @param variants what was observed of each variant; a registered variant without an entry counts as 0 replicas
 */
public record ModelSnapshot(String modelId, double arrivalRate, TokenMix mix, int waitingRequests,
        double queuedTokens, List<VariantObservation> variants) {

    public ModelSnapshot {
        ServiceParameters.requireNonNegative("arrivalRate", arrivalRate);
        ServiceParameters.requireNonNegative("queuedTokens", queuedTokens);
        if (waitingRequests < 0) {
            throw new IllegalArgumentException("waitingRequests must be >= 0");
        }
        variants = variants == null ? List.of() : List.copyOf(variants);
    }
}
