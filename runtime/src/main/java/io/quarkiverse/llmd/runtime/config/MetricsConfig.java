package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/** The EPP's own Prometheus endpoint and meters ({@code quarkus.llmd.metrics.*}). */
public interface MetricsConfig {

    /** Whether the EPP's meters (inference_objective_*, inference_pool_*, inference_extension_*) are recorded. */
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
}
