package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.LlmdProducers;
import io.quarkiverse.llmd.runtime.datalayer.PoolScrapeSettings;
import io.quarkiverse.llmd.runtime.discovery.EndpointSources;
import io.quarkiverse.llmd.runtime.health.PoolsReadiness;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;

/** Registers the extension's feature and the beans that wire the engine. */
final class LlmdProcessor {

    private static final String FEATURE = "llmd";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    @BuildStep
    AdditionalBeanBuildItem beans() {
        return AdditionalBeanBuildItem.builder().addBeanClasses(LlmdProducers.class, EndpointSources.class,
                PoolsReadiness.class, PoolScrapeSettings.class, DynamicPools.class)
                .setUnremovable().build();
    }
}
