package io.quarkiverse.llmd.deployment;

import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;

/** Registers the extension's feature; the CDI wiring of the engine arrives with the gateway issue. */
final class LlmdProcessor {

    private static final String FEATURE = "llmd";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }
}
