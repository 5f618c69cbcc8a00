package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;

/**
 * The outcome of one extraction.
 *
 * @param metrics the new snapshot (the previous one, unchanged, when nothing could be read)
 * @param engine the engine mapping used
 * @param updated whether at least one field was read from the scrape (only then is the update time advanced)
 * @param problems what could not be read, for logging; empty when all went well
 */
public record MetricsExtraction(EndpointMetrics metrics, String engine, boolean updated, List<String> problems) {

    public MetricsExtraction {
        problems = List.copyOf(problems);
    }
}
