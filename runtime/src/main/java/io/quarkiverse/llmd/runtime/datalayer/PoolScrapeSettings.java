package io.quarkiverse.llmd.runtime.datalayer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.DataLayerConfig;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfig;
import io.quarkiverse.llmd.engine.datalayer.metrics.MetricsExtractor;
import io.quarkiverse.llmd.engine.framework.datalayer.DataExtractor;
import io.quarkiverse.llmd.engine.framework.datalayer.HttpPoll;

/**
 * How each pool's endpoints are scraped, from its EndpointPickerConfig's {@code dataLayer.sources} (llm-d's
 * {@code metrics-data-source} and {@code core-metrics-extractor}): path, port and poll interval of the source, the
 * extractor's metric mapping. A source the loader injected by default takes the runtime's
 * {@code quarkus.llmd.data-layer.*} properties instead, so existing configurations behave as before. A pool without
 * sources is not scraped.
 */
@Singleton
public class PoolScrapeSettings {

    /**
     * One pool's scraping.
     *
     * @param enabled whether the pool is scraped at all
     * @param path the metrics page
     * @param port the port to scrape instead of each endpoint's own, or null
     * @param everyTicks scrape every this many base ticks ({@code refresh-interval})
     * @param extractor the metric mapping
     */
    public record Settings(boolean enabled, String path, Integer port, int everyTicks, MetricsExtractor extractor) {
    }

    private final Map<String, Settings> byPool = new ConcurrentHashMap<>();

    /**
     * Derives a pool's settings from its configuration.
     *
     * @throws ConfigException when the source asks for what the scraper cannot do (https)
     */
    public void configure(String pool, String source, EndpointPickerConfig config, DataLayerConfig dataLayer,
            String defaultPath, Duration baseTick) {
        if (dataLayer == null || dataLayer.sources().isEmpty()) {
            byPool.put(pool, new Settings(false, defaultPath, null, 1, MetricsExtractor.withDefaults()));
            return;
        }
        DataLayerConfig.Source first = dataLayer.sources().get(0);
        HttpPoll poll = first.source().httpPoll().orElse(null);
        boolean defaulted = config.plugins().stream()
                .anyMatch(p -> p.name().equals(first.source().typedName().name()) && p.defaulted());
        MetricsExtractor extractor = MetricsExtractor.withDefaults();
        for (DataExtractor x : first.extractors()) {
            if (x.metricsExtractor().isPresent()) {
                extractor = x.metricsExtractor().get();
                break;
            }
        }
        if (poll == null || defaulted) {
            byPool.put(pool, new Settings(poll != null, defaultPath, null, 1, extractor));
            return;
        }
        if (!"http".equals(poll.scheme())) {
            throw new ConfigException(source, 0, "dataLayer.sources[0]", "metrics-data-source scheme "
                    + poll.scheme() + " is not supported yet: this gateway scrapes model servers over http");
        }
        long tick = Math.max(1, baseTick.toMillis());
        int every = (int) Math.max(1, first.source().effectiveInterval(baseTick).toMillis() / tick);
        byPool.put(pool, new Settings(true, poll.path(), poll.port(), every, extractor));
    }

    /** Forgets a pool removed at runtime. */
    public void forget(String pool) {
        byPool.remove(pool);
    }

    /** The pool's settings; a pool never configured is scraped with the defaults. */
    public Settings of(String pool, String defaultPath) {
        Settings s = byPool.get(pool);
        return s != null ? s : new Settings(true, defaultPath, null, 1, MetricsExtractor.withDefaults());
    }
}
