package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerRequestTap;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerRoutes;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;

/**
 * Registers the variant autoscaler's loop, request tap and HTTP routes. They stay idle unless
 * {@code quarkus.llmd.autoscaler.enabled} is set at runtime.
 */
final class AutoscalerProcessor {

    @BuildStep
    AdditionalBeanBuildItem autoscalerBeans() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(AutoscalerLoop.class, AutoscalerRequestTap.class, AutoscalerRoutes.class)
                .setUnremovable().build();
    }
}
