package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.OptionalInt;

import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;

/**
 * Applies a variant's decisions to what runs it: the scale subresource of a Deployment, the annotations of a
 * Knative Service, the replicas of an LLMInferenceService... An actuator is a CDI bean; a variant uses it only when its
 * {@code actuator} names it, so every actuator is opt-in per variant.
 *
 * <p>
 * Called on the autoscaler's worker thread, never on an event loop: implementations may block on the Kubernetes
 * API, but should bound the time they take (the next decision waits for them).
 */
public interface ScaleActuator {

    /** The name variants use to choose this actuator ({@code quarkus.llmd.autoscaler.variants."v".actuator}). */
    String name();

    /**
     * Whether this actuator can scale the target at all (its kind and API version); checked when a variant is
     * registered, so that a wrong kind fails at startup instead of every interval.
     */
    boolean supports(ScaleTarget target);

    /**
     * Replicas the target asks for now, if the actuator can read them; the loop then uses them as the variant's
     * current replicas (pending replicas included) instead of the pool's endpoints.
     *
     * @param target what the variant scales
     * @param variant the variant: its role says which workload of a disaggregated target is meant
     */
    default OptionalInt currentReplicas(ScaleTarget target, VariantDefinition variant) {
        return OptionalInt.empty();
    }

    /**
     * Applies one decision.
     *
     * @param target what to scale
     * @param decision the decision, with the variant's bounds in its spec
     * @param variant the variant, for bounds and labels
     * @return what happened; an actuator reports failures here rather than throwing
     */
    Actuation apply(ScaleTarget target, ScalingDecision decision, VariantDefinition variant);

    /** What one actuation did. */
    sealed interface Actuation {

        /** A sentence saying what was done or what went wrong. */
        String detail();

        /** A word for logs and the decision log: {@code applied}, {@code unchanged} or {@code failed}. */
        String outcome();

        /** The target was changed; {@code detail} says what. */
        record Applied(String detail) implements Actuation {
            @Override
            public String outcome() {
                return "applied";
            }
        }

        /** The target already had what the decision asks; nothing was written. */
        record Unchanged(String detail) implements Actuation {
            @Override
            public String outcome() {
                return "unchanged";
            }
        }

        /** The actuation failed; the next decision tries again. */
        record Failed(String detail) implements Actuation {
            @Override
            public String outcome() {
                return "failed";
            }
        }
    }
}
