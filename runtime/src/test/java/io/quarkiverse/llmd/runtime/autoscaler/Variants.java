package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.Optional;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;

/** Test variants. */
final class Variants {

    private Variants() {
    }

    static VariantDefinition of(String name, String model, String pool, Role role) {
        return new VariantDefinition(VariantSpec.of(name, model, "H100", 10, 1, 4).withRole(role), "llm", pool,
                Optional.empty(), Optional.empty(), new ScaleTarget("llm", "apps/v1", "Deployment", name), "test");
    }
}
