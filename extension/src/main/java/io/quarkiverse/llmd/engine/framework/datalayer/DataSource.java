package io.quarkiverse.llmd.engine.framework.datalayer;

import java.time.Duration;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * A plugin that collects data about every endpoint (for instance by polling its metrics page), named by
 * {@code dataLayer.sources[].pluginRef}. The engine does no I/O: the runtime polls on the source's behalf, with the
 * source's settings, and hands what it got to the source's extractors.
 */
public interface DataSource extends Plugin {

    /** Data kind of a Prometheus text-format scrape, produced by {@code metrics-data-source}. */
    String PROMETHEUS_METRICS = "prometheus-metrics";

    /** The kind of data this source produces; an extractor states the kind it reads ({@link DataExtractor#reads()}). */
    String produces();

    /**
     * The poll period to run at, given the data layer's base tick ({@code --refresh-metrics-interval}): a positive
     * multiple of the tick.
     */
    Duration effectiveInterval(Duration baseTick);

    /** How to poll each endpoint over HTTP, when this source is polled that way. */
    default java.util.Optional<HttpPoll> httpPoll() {
        return java.util.Optional.empty();
    }
}
