package io.quarkiverse.llmd.runtime.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.WithDefault;

/**
 * One pool: where its endpoints come from, how it schedules (its EndpointPickerConfig), its objectives and flow
 * control, and the models it serves. The flat {@code quarkus.llmd.*} properties are the default pool; more pools
 * go under {@code quarkus.llmd.pools."<name>".*} with the same properties.
 */
public interface PoolConfig {

    /**
     * Path of the EndpointPickerConfig YAML, like llm-d's {@code --config-file}. Without it (and without
     * {@code config-text}) llm-d's default configuration runs: queue, KV-cache and prefix-cache scorers.
     */
    Optional<Path> configFile();

    /** Inline EndpointPickerConfig YAML, like llm-d's {@code --config-text}; cannot be combined with config-file. */
    Optional<String> configText();

    /**
     * Static model-server endpoints, by name (llm-d names endpoints {@code <namespace>/<pod>-rank-<i>}). With none
     * configured in dev and test mode (and no other discovery source), Dev Services start a simulated fleet.
     */
    Map<String, LlmdConfig.EndpointConfig> endpoints();

    /**
     * Priorities of InferenceObjectives by name, chosen per request with the {@code x-llm-d-inference-objective}
     * header (the older {@code x-gateway-inference-objective} is an alias). A negative priority makes requests
     * sheddable.
     */
    Map<String, LlmdConfig.ObjectiveConfig> objectives();

    /** How the runtime drives flow control (switched on by the {@code flowControl} feature gate). */
    FlowControlConfig flowControl();

    /**
     * The model names the pool serves (base models and LoRA adapters), which route requests to it. A pool that
     * names none takes every model no other pool claims; at most one pool may do so.
     */
    Optional<Set<String>> models();

    /**
     * Model rewrites, as llm-d's InferenceModelRewrite: a request for the key is routed and forwarded as the value
     * (for instance a stable alias onto the current model or a LoRA adapter), and the response names the model the
     * client asked for. Clients cannot rewrite models themselves: the proxy drops their rewrite headers.
     */
    Map<String, String> modelRewrites();

    /** Where the pool's endpoints come from, beyond the static {@code endpoints}. */
    DiscoveryConfig discovery();

    /** Endpoint discovery. */
    interface DiscoveryConfig {

        /**
         * The source of endpoints: {@code static} (the {@code endpoints} properties), {@code file} (a file in llm-d's
         * {@code file-discovery} format, re-read when it changes), {@code inference-pool} (a Gateway API
         * InferencePool), {@code endpoint-selector} (pods matching a label selector) or {@code llm-inference-service}
         * (a KServe LLMInferenceService); the Kubernetes sources need the Kubernetes module on the classpath. An
         * EndpointPickerConfig whose {@code dataLayer.discovery} names a plugin ({@code file-discovery}) takes
         * precedence, as in llm-d.
         */
        @WithDefault("static")
        String source();

        /** The endpoint file of the {@code file} source. */
        Optional<Path> file();

        /** Namespace of the watched object (Kubernetes sources), like llm-d's {@code --pool-namespace}. */
        Optional<String> namespace();

        /** Name of the watched object (Kubernetes sources); defaults to the pool's name, like {@code --pool-name}. */
        Optional<String> name();

        /** API group of the InferencePool, like llm-d's {@code --pool-group}. */
        Optional<String> group();

        /** Label selector of the endpoints, like llm-d's {@code --endpoint-selector}, when there is no pool object. */
        Optional<String> endpointSelector();

        /** Target ports of the selected pods with {@code endpoint-selector}, like llm-d's {@code --endpoint-target-ports}. */
        Optional<java.util.List<Integer>> targetPorts();

        /** How often the {@code file} source checks its file for changes. */
        @WithDefault("1s")
        java.time.Duration pollInterval();
    }
}
