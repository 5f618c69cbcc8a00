package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkus.runtime.StartupEvent;

/**
 * Checks at startup the durations and ports of {@code quarkus.llmd.*} that the type alone does not bound, so that a
 * refresh interval of 0 or -1 s, or a port of 99999, stops the gateway with a message naming the property instead of
 * scraping every millisecond or failing later. (Endpoint addresses are checked where the pool is built, with the
 * endpoint's property in the message.)
 */
@Singleton
public class StartupValidation {

    private static final String P = "quarkus.llmd.";

    void onStart(@Observes @Priority(1) StartupEvent event, LlmdConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new ConfigException("configuration", 0, null, String.join("; ", problems));
        }
    }

    /** Every problem found, each naming its property; empty when the configuration is usable. */
    static List<String> problems(LlmdConfig c) {
        List<String> out = new ArrayList<>();
        positive(out, P + "data-layer.refresh-interval", c.dataLayer().refreshInterval());
        positive(out, P + "data-layer.scrape-timeout", c.dataLayer().scrapeTimeout());
        positive(out, P + "proxy.connect-timeout", c.proxy().connectTimeout());
        positive(out, P + "proxy.first-byte-timeout", c.proxy().firstByteTimeout());
        positive(out, P + "proxy.read-timeout", c.proxy().readTimeout());
        positive(out, P + "proxy.idle-timeout", c.proxy().idleTimeout());
        notNegative(out, P + "proxy.request-header-timeout", c.proxy().requestHeaderTimeout());
        notNegative(out, P + "proxy.keep-alive-timeout", c.proxy().keepAliveTimeout());
        positive(out, P + "outlier-detection.interval", c.outlierDetection().interval());
        notNegative(out, P + "ext-proc.max-decision-delay", c.extProc().maxDecisionDelay());
        notNegative(out, P + "ext-proc.stream-idle-timeout", c.extProc().streamIdleTimeout());
        notNegative(out, P + "ext-proc.max-connection-idle", c.extProc().maxConnectionIdle());
        port(out, P + "metrics.port", c.metrics().port());
        port(out, P + "ext-proc.health-port", c.extProc().healthPort());
        if (c.proxy().poolSize() < 1) {
            out.add(P + "proxy.pool-size must be at least 1, not " + c.proxy().poolSize());
        }
        if (c.proxy().retries() < 0) {
            out.add(P + "proxy.retries must be 0 or more, not " + c.proxy().retries());
        }
        if (c.extProc().overloadStatus() < 200 || c.extProc().overloadStatus() > 599) {
            out.add(P + "ext-proc.overload-status must be an HTTP status (200..599), not "
                    + c.extProc().overloadStatus());
        }
        metricsPorts(out, P + "endpoints", c.endpoints());
        for (Map.Entry<String, PoolConfig> pool : c.pools().entrySet()) {
            metricsPorts(out, P + "pools.\"" + pool.getKey() + "\".endpoints", pool.getValue().endpoints());
        }
        return out;
    }

    private static void metricsPorts(List<String> out, String prefix, Map<String, LlmdConfig.EndpointConfig> eps) {
        for (Map.Entry<String, LlmdConfig.EndpointConfig> e : eps.entrySet()) {
            e.getValue().metricsPort().ifPresent(p -> {
                if (p < 1 || p > 65535) {
                    out.add(prefix + ".\"" + e.getKey() + "\".metrics-port must be within 1..65535, not " + p);
                }
            });
        }
    }

    private static void positive(List<String> out, String property, Duration d) {
        if (d.isNegative() || d.isZero()) {
            out.add(property + " must be positive, not " + d);
        }
    }

    private static void notNegative(List<String> out, String property, Duration d) {
        if (d.isNegative()) {
            out.add(property + " must not be negative (0 switches it off), not " + d);
        }
    }

    private static void port(List<String> out, String property, int port) {
        if (port < 0 || port > 65535) {
            out.add(property + " must be within 0..65535 (0 picks a free port), not " + port);
        }
    }
}
