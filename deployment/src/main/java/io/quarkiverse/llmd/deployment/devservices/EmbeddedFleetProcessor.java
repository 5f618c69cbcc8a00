package io.quarkiverse.llmd.deployment.devservices;

import io.quarkiverse.llmd.runtime.embedded.EmbeddedFleetLauncher;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;

/**
 * Registers the launcher of the embedded simulated fleet, the production-mode sibling of Dev Services: it does
 * nothing unless {@code quarkus.llmd.embedded-fleet.enabled} is true and the pool is empty at startup.
 */
public class EmbeddedFleetProcessor {

    @BuildStep
    AdditionalBeanBuildItem embeddedFleetLauncher() {
        return AdditionalBeanBuildItem.unremovableOf(EmbeddedFleetLauncher.class);
    }
}
