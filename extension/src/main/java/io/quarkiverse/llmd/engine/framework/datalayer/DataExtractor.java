package io.quarkiverse.llmd.engine.framework.datalayer;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * A plugin that turns what a {@link DataSource} collected into endpoint attributes (for instance
 * {@link EndpointMetrics}), named by {@code dataLayer.sources[].extractors[].pluginRef}.
 */
public interface DataExtractor extends Plugin {

    /** The kind of data this extractor reads; it may only be attached to a source producing that kind. */
    String reads();

    /** The Prometheus metrics mapping this extractor applies, when it reads metrics pages. */
    default java.util.Optional<io.quarkiverse.llmd.engine.datalayer.metrics.MetricsExtractor> metricsExtractor() {
        return java.util.Optional.empty();
    }
}
