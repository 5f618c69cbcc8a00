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
public interface LlmdConfig {

    /**
     * Path of the EndpointPickerConfig YAML, like llm-d's {@code --config-file}. Without it (and without
     * {@code config-text}) llm-d's default configuration runs: queue, KV-cache and prefix-cache scorers.
     */
    Optional<Path> configFile();

    /** Inline EndpointPickerConfig YAML, like llm-d's {@code --config-text}; cannot be combined with config-file. */
    Optional<String> configText();

    /**
     * Static model-server endpoints, by name (llm-d names endpoints {@code <namespace>/<pod>-rank-<i>}). Kubernetes
     * discovery adds more sources; with none configured in dev and test mode, Dev Services start a simulated fleet.
     */
    Map<String, EndpointConfig> endpoints();

    /** How model-server metrics are scraped. */
    DataLayerConfig dataLayer();

    /**
     * Priorities of InferenceObjectives by name, chosen per request with the {@code x-gateway-inference-objective}
     * header (until objectives are watched in Kubernetes). A negative priority makes requests sheddable.
     */
    Map<String, ObjectiveConfig> objectives();

    /** How the runtime drives flow control (switched on by the {@code flowControl} feature gate). */
    FlowControlConfig flowControl();

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
