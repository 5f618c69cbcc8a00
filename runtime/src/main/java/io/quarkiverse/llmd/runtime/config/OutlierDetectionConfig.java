package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * Outlier detection and metrics staleness ({@code quarkus.llmd.outlier-detection.*}), the same for every pool: which
 * endpoints are left out of scheduling for a while. See the reliability page of the documentation.
 */
public interface OutlierDetectionConfig {

    /** Whether failing endpoints are ejected; off, failures are only retried and counted. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Failures in a row that eject an endpoint: connect errors, resets and timeouts before the response head, and 5xx
     * response heads (Envoy's {@code consecutive_5xx}, which also counts locally originated errors). A success in
     * between starts the count again.
     */
    @WithDefault("5")
    int consecutiveFailures();

    /** How long a first ejection lasts; the n-th lasts n times as long (Envoy's {@code base_ejection_time}). */
    @WithDefault("30s")
    Duration baseEjectionTime();

    /** The longest ejection, however often an endpoint was ejected (Envoy's {@code max_ejection_time}). */
    @WithDefault("300s")
    Duration maxEjectionTime();

    /**
     * Share of a pool that may be ejected at once, in percent; at least one endpoint may always be ejected, and the last
     * schedulable endpoint never is. Envoy's default is 10 %; LLM pools are small (10 % of 4 pods is none), hence 50.
     */
    @WithDefault("50")
    int maxEjectionPercent();

    /** How often ended ejections and stale metrics are noticed, logged and reflected in the gauges. */
    @WithDefault("1s")
    Duration interval();

    /**
     * Scrape intervals (of the endpoint's pool) without a successful metrics scrape after which an endpoint is
     * unschedulable until a scrape succeeds: its last metrics would make a dead pod look idle. 100 intervals is 5 s at
     * the default 50 ms refresh interval. 0 switches staleness off.
     */
    @WithDefault("100")
    int staleAfterIntervals();
}
