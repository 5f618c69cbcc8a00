package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerRequestTap;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerRoutes;
import io.quarkiverse.llmd.runtime.autoscaler.kubernetes.AnnotatedVariantDiscovery;
import io.quarkiverse.llmd.runtime.autoscaler.kubernetes.ScaleSubresourceActuator;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.annotations.BuildStep;

/**
 * Registers the variant autoscaler's loop, request tap and HTTP routes, and, when the application has the
 * Kubernetes client, the scale-subresource actuator and HPA/ScaledObject discovery. All stay idle unless
 * {@code quarkus.llmd.autoscaler.enabled} is set at runtime.
 */
final class AutoscalerProcessor {

    @BuildStep
    AdditionalBeanBuildItem autoscalerBeans() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(AutoscalerLoop.class, AutoscalerRequestTap.class, AutoscalerRoutes.class)
                .setUnremovable().build();
    }

    @BuildStep
    AdditionalBeanBuildItem kubernetesAutoscalerBeans(Capabilities capabilities) {
        // the runtime's fabric8 dependency is optional: these classes only load where the client is present
        if (!capabilities.isPresent(Capability.KUBERNETES_CLIENT)) {
            return null;
        }
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(ScaleSubresourceActuator.class, AnnotatedVariantDiscovery.class)
                .setUnremovable().build();
    }
}
