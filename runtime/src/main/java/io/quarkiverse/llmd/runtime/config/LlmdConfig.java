package io.quarkiverse.llmd.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Runtime configuration of the llm-d scheduler ({@code quarkus.llmd.*}). */
@ConfigMapping(prefix = "quarkus.llmd")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface LlmdConfig extends PoolConfig {

    /**
     * More pools, by name, each with the same properties as the default pool ({@code endpoints}, {@code config-file}
     * or {@code config-text}, {@code objectives}, {@code flow-control}, {@code models}, {@code discovery}). The proxy
     * routes a request to the pool that serves its model; ext_proc to the pool named by the route's
     * {@code x-llm-d-pool} header, else by model. With named pools, the default pool (the flat properties) is
     * served only when it has endpoints, models or a discovery source of its own.
     */
    Map<String, PoolConfig> pools();

    /**
     * Lets EndpointPickerConfigs use plugins llm-d marks Alpha (for instance {@code session-affinity-scorer}), like
     * llm-d's {@code --allow-experimental-plugins}; without it such a configuration is refused at startup.
     */
    @WithDefault("false")
    boolean allowExperimentalPlugins();

    /** How model-server metrics are scraped. */
    DataLayerConfig dataLayer();

    /** The EPP's Prometheus meters and metrics server. */
    MetricsConfig metrics();

    /** The Envoy ext_proc endpoint picker. */
    ExtProcConfig extProc();

    /** The embedded simulated fleet started when the pool is empty (off unless the application turns it on). */
    EmbeddedFleetConfig embeddedFleet();

    /** The standalone OpenAI-compatible proxy on the HTTP port. */
    ProxyConfig proxy();

    /** Prefill/decode orchestration, in the proxy and as a decode sidecar. */
    PdConfig pd();

    /** The Redis that shares precise-prefix KV-block indexes between gateway replicas. */
    RedisConfig redis();

    /** Ejection of failing endpoints and of endpoints whose metrics went stale. */
    OutlierDetectionConfig outlierDetection();

    /** The watch on KServe LLMInferenceServices, when the llminferenceservice module is present. */
    KServeConfig kserve();

    /** A static endpoint. */
    interface EndpointConfig {

        /** {@code host:port} of the model server's OpenAI API (IPv6 in brackets). */
        String address();

        /** Labels, for instance {@code llm-d.ai/role=decode}. */
        Map<String, String> labels();

        /** Port serving {@code /metrics}; defaults to the address's port. */
        Optional<Integer> metricsPort();
    }

    /** Metrics scraping. */
    interface DataLayerConfig {

        /** Interval between scrapes of one endpoint, as llm-d's {@code --refresh-metrics-interval}. */
        @WithDefault("50ms")
        Duration refreshInterval();

        /** Time allowed for one scrape before it counts as failed. */
        @WithDefault("1s")
        Duration scrapeTimeout();

        /** Path of the metrics page on the model server. */
        @WithDefault("/metrics")
        String metricsPath();

        /** Whether to scrape at all; off, endpoints keep the metrics they were given. */
        @WithDefault("true")
        @WithName("scrape")
        boolean scrapeEnabled();
    }

    /** An InferenceObjective. */
    interface ObjectiveConfig {

        /** Priority; higher is more important, negative is sheddable. */
        @WithDefault("0")
        int priority();
    }
}
