package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.LlmdProducers;
import io.quarkiverse.llmd.runtime.LlmdRecorder;
import io.quarkiverse.llmd.runtime.datalayer.PoolScrapeSettings;
import io.quarkiverse.llmd.runtime.discovery.EndpointSources;
import io.quarkiverse.llmd.runtime.health.OutlierDetection;
import io.quarkiverse.llmd.runtime.health.PoolsReadiness;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.BeanContainerBuildItem;
import io.quarkus.arc.deployment.RecorderBeanInitializedBuildItem;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.vertx.deployment.VertxBuildItem;

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
                PoolsReadiness.class, PoolScrapeSettings.class, OutlierDetection.class,
                io.quarkiverse.llmd.runtime.config.StartupValidation.class, DynamicPools.class)
                .setUnremovable().build();
    }

    /**
     * Loads the pools' configuration before the servers start: the gRPC server (ext_proc) waits for every
     * {@link RecorderBeanInitializedBuildItem}, so a configuration error is reported as one clear message rather
     * than as the gRPC server's start failure. Vert.x is needed first (endpoint sources and scrapers use it).
     */
    @BuildStep
    @Record(ExecutionTime.RUNTIME_INIT)
    RecorderBeanInitializedBuildItem loadPoolsBeforeServers(LlmdRecorder recorder, BeanContainerBuildItem beans,
            VertxBuildItem vertx) {
        recorder.loadPools();
        return new RecorderBeanInitializedBuildItem();
    }
}
