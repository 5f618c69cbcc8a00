package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/** The EPP's own Prometheus endpoint and meters ({@code quarkus.llmd.metrics.*}). */
public interface MetricsConfig {

    /** Whether the EPP's meters ({@code llm_d_epp_*} and their legacy twins) are recorded. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Whether to serve Prometheus text at {@code http://<host>:<port>/metrics}, as llm-d's EPP does on
     * {@code --metrics-port} (9090); the same meters are also on Quarkus's {@code /q/metrics}.
     */
    @WithDefault("true")
    boolean serverEnabled();

    /** Port of the metrics server, like llm-d's {@code --metrics-port}; 0 picks a free port. */
    @WithDefault("9090")
    int port();

    /** Interface the metrics server binds. */
    @WithDefault("0.0.0.0")
    String host();

    /** Path of the metrics page. */
    @WithDefault("/metrics")
    String path();

    /** Value of the {@code name} / {@code inference_pool} label of pool meters, like llm-d's {@code --pool-name}. */
    @WithDefault("default-pool")
    String poolName();

    /** Interval at which the per-pod gauges follow the pool's membership. */
    @WithDefault("1s")
    Duration perPodRefreshInterval();

    /**
     * Whether each meter is also emitted under its legacy name ({@code inference_objective_*},
     * {@code inference_pool_*}, {@code inference_extension_*}, {@code llm_d_inference_scheduler_*}) beside its
     * {@code llm_d_epp_*} name, as llm-d v0.10 still does. Turn off once dashboards and autoscalers have moved.
     */
    @WithDefault("true")
    boolean legacyNames();

    /**
     * Distinct {@code model_name} / {@code target_model_name} label values taken from requests (shared by both
     * labels) that are reported as themselves; later ones are reported as {@code other}. Models the gateway serves
     * do not count. 0 reports every model it does not know as {@code other}.
     */
    @WithDefault("1000")
    int modelLabelLimit();

    /**
     * Distinct {@code fairness_id} label values reported as themselves, like llm-d's
     * {@code --fairness-id-metric-label-limit}; later ones are reported as {@code other}.
     */
    @WithDefault("1000")
    int fairnessIdLabelLimit();

    /**
     * Distinct label combinations (model, target model, fairness id, priority) of the per-request meters; past it
     * the fairness id, then every request-supplied label, is reported as {@code other}. Bounds the product of the
     * two caps above, which llm-d does not.
     */
    @WithDefault("2000")
    int labelSetLimit();
}
