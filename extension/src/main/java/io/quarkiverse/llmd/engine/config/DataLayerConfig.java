package io.quarkiverse.llmd.engine.config;

import java.time.Duration;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.datalayer.CrossReplicaSyncer;
import io.quarkiverse.llmd.engine.framework.datalayer.DataExtractor;
import io.quarkiverse.llmd.engine.framework.datalayer.DataSource;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointDiscovery;
import io.quarkiverse.llmd.engine.framework.datalayer.PeerDiscovery;

/**
 * The {@code dataLayer} section of the EndpointPickerConfig after validation and defaulting (llm-d-v0.10-deltas.md
 * 4.1), with every reference resolved to its plugin:
 *
 * <pre>
 * dataLayer:
 *   injectDefaults: true            # add metrics-data-source + core-metrics-extractor unless a metrics source is listed
 *   sources: [{pluginRef: metrics-data-source, extractors: [{pluginRef: core-metrics-extractor}]}]
 *   discovery: {pluginRef: file-discovery}         # absent: endpoints come from the gateway's own configuration
 *   peerDiscovery: {pluginRef: ...}                # absent: no peer discovery
 *   crossReplicaSyncerPluginRef: ...               # absent: no cross-replica state
 *   crossReplicaSyncInterval: 1s                   # Go duration; only with a syncer
 * </pre>
 *
 * @param injectDefaults whether the default metrics source and extractor are added (as configured; default true)
 * @param sources the data sources to run, including injected defaults, each with its extractors
 * @param discovery where endpoints come from, or null for the gateway's own endpoint configuration
 * @param peerDiscovery how replicas find each other, or null
 * @param crossReplicaSyncer how replicas share state, or null
 * @param crossReplicaSyncInterval how often to publish local state to the syncer, or null for its default
 */
public record DataLayerConfig(boolean injectDefaults, List<Source> sources, EndpointDiscovery discovery,
        PeerDiscovery peerDiscovery, CrossReplicaSyncer crossReplicaSyncer, Duration crossReplicaSyncInterval) {

    public DataLayerConfig {
        sources = List.copyOf(sources);
    }

    /**
     * One source and the extractors that read what it collects.
     *
     * @param source the source plugin
     * @param extractors its extractors, in configured order, at least one
     */
    public record Source(DataSource source, List<DataExtractor> extractors) {

        public Source {
            extractors = List.copyOf(extractors);
        }
    }
}
