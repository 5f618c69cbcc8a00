package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.Optional;

import io.quarkiverse.llmd.engine.autoscaling.SloTargets;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;

/**
 * A variant as the runtime knows it: the engine's spec plus where it lives and how its decisions are applied.
 *
 * @param spec what the engine needs (name, model, hardware class, role, cost, bounds, batch limits)
 * @param namespace the {@code namespace} label and the scale target's namespace
 * @param pool the gateway pool whose endpoints are the variant's replicas
 * @param targets the model's latency targets this variant declares, if any
 * @param actuator the name of the actuator applying its decisions, if any
 * @param target what the actuator scales
 * @param source where the variant was declared, for error messages ({@code quarkus.llmd.autoscaler.variants."x"}
 *        or {@code HorizontalPodAutoscaler ns/x})
 */
public record VariantDefinition(VariantSpec spec, String namespace, String pool, Optional<SloTargets> targets,
        Optional<String> actuator, ScaleTarget target, String source) {

    public VariantDefinition {
        if (spec == null || namespace == null || namespace.isBlank() || pool == null || target == null) {
            throw new IllegalArgumentException(source + ": a variant needs a spec, a namespace, a pool and a target");
        }
        targets = targets == null ? Optional.empty() : targets;
        actuator = actuator == null ? Optional.empty() : actuator;
    }

    public String name() {
        return spec.name();
    }

    public String model() {
        return spec.modelId();
    }
}
