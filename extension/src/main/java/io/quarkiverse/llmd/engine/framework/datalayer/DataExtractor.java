package io.quarkiverse.llmd.engine.framework.datalayer;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * A plugin that turns what a {@link DataSource} collected into endpoint attributes (for instance
 * {@link EndpointMetrics}), named by {@code dataLayer.sources[].extractors[].pluginRef}.
 */
public interface DataExtractor extends Plugin {

    /** The kind of data this extractor reads; it may only be attached to a source producing that kind. */
    String reads();
}
