package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.metrics.MetricsServer;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;

/** Registers the EPP metrics server (llm-d's {@code --metrics-port}, 9090, path {@code /metrics}). */
final class LlmdMetricsProcessor {

    @BuildStep
    AdditionalBeanBuildItem metricsServer() {
        return AdditionalBeanBuildItem.builder().addBeanClasses(MetricsServer.class).setUnremovable().build();
    }
}
