package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.framework.plugin.Stability.BETA;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.datalayer.discovery.file.FileDiscovery;
import io.quarkiverse.llmd.engine.plugins.datalayer.extractor.metrics.CoreMetricsExtractor;
import io.quarkiverse.llmd.engine.plugins.datalayer.source.metrics.MetricsDataSource;

/**
 * The data-layer plugins named by the {@code dataLayer} section: {@code metrics-data-source},
 * {@code core-metrics-extractor} and {@code file-discovery}, all Beta as in llm-d v0.10.
 */
public final class DataLayerPlugins {

    private DataLayerPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(MetricsDataSource.TYPE, BETA, MetricsDataSource.FACTORY);
        registry.register(CoreMetricsExtractor.TYPE, BETA, CoreMetricsExtractor.FACTORY);
        registry.register(FileDiscovery.TYPE, BETA, FileDiscovery.FACTORY);
    }
}
