package io.quarkiverse.llmd.engine.plugins.datalayer.extractor.metrics;

import java.util.List;

import io.quarkiverse.llmd.engine.datalayer.metrics.EngineConfig;
import io.quarkiverse.llmd.engine.datalayer.metrics.MetricsExtractor;
import io.quarkiverse.llmd.engine.framework.datalayer.DataExtractor;
import io.quarkiverse.llmd.engine.framework.datalayer.DataSource;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;

/**
 * {@code core-metrics-extractor}: reads waiting and running requests, KV-cache usage, LoRA and cache info from a
 * Prometheus scrape, with the metric names of the pod's engine (reference scheduler-epp.md 4). Attach it to a
 * {@code metrics-data-source}.
 *
 * @param typedName type and instance name
 * @param extractor the configured extraction
 */
public record CoreMetricsExtractor(TypedName typedName, MetricsExtractor extractor) implements DataExtractor {

    public static final String TYPE = "core-metrics-extractor";

    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Params p = Parameters.decode(parameters, Params.class);
        MetricsExtractor extractor;
        try {
            extractor = MetricsExtractor.create(p.engineLabelKey(), p.defaultEngine(), p.engineConfigs());
        } catch (IllegalArgumentException e) {
            throw new PluginConfigException("engineConfigs", e.getMessage());
        }
        return new CoreMetricsExtractor(new TypedName(TYPE, name), extractor);
    };

    /**
     * @param engineLabelKey pod label naming the engine, default {@code llm-d.ai/engine-type}
     * @param defaultEngine engine of unlabeled pods, default {@code vllm}
     * @param engineConfigs custom engines; they replace built-ins of the same name
     */
    public record Params(String engineLabelKey, String defaultEngine, List<EngineConfig> engineConfigs) {

        public Params {
            engineConfigs = engineConfigs == null ? List.of() : List.copyOf(engineConfigs);
        }
    }

    @Override
    public java.util.Optional<MetricsExtractor> metricsExtractor() {
        return java.util.Optional.of(extractor);
    }

    @Override
    public String reads() {
        return DataSource.PROMETHEUS_METRICS;
    }
}
