package io.quarkiverse.llmd.engine.plugins.datalayer.source.metrics;

import java.time.Duration;

import io.quarkiverse.llmd.engine.framework.datalayer.DataSource;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;

/**
 * {@code metrics-data-source}: polls every endpoint's Prometheus metrics page, {@code <scheme>://<address>[:port]<path>}
 * (reference scheduler-epp.md 4, llm-d-v0.10-deltas.md 4.4). The engine only holds the validated settings; the
 * runtime does the polling and gives the page to the attached extractors ({@code core-metrics-extractor}).
 *
 * @param typedName type and instance name
 * @param settings the validated parameters
 */
public record MetricsDataSource(TypedName typedName, Params settings) implements DataSource {

    public static final String TYPE = "metrics-data-source";
    /** llm-d's floor for the data layer's base tick ({@code --refresh-metrics-interval}, #2394). */
    public static final Duration MIN_TICK = Duration.ofMillis(50);

    public static final PluginFactory FACTORY = (name, parameters, handle) -> new MetricsDataSource(
            new TypedName(TYPE, name), Parameters.decode(parameters, Params.class));

    /**
     * The parameters, with llm-d's names and defaults.
     *
     * @param scheme {@code http} (default) or {@code https}
     * @param path path of the metrics page, default {@code /metrics}
     * @param port port to scrape instead of the endpoint's inference port; null keeps the endpoint's port. Do not
     *        set it on pools with several target ports: every rank would be scraped on the same port
     * @param insecureSkipVerify with https, skip verifying the server certificate (default true, as llm-d)
     * @param caCertPath with https, PEM bundle to verify the server certificate with
     * @param clientCertPath with https, client certificate for mTLS; set together with {@code clientKeyPath}
     * @param clientKeyPath with https, the client certificate's key
     * @param interval poll period as a Go duration ({@code "1s"}); absent or zero polls at every base tick
     */
    public record Params(String scheme, String path, Integer port, Boolean insecureSkipVerify, String caCertPath,
            String clientCertPath, String clientKeyPath, String interval) {

        public Params {
            scheme = scheme == null ? "http" : scheme;
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new PluginConfigException("scheme", "scheme must be http or https, got '" + scheme + "'");
            }
            path = path == null ? "/metrics" : path;
            if (!path.startsWith("/")) {
                throw new PluginConfigException("path", "path must start with '/', got '" + path + "'");
            }
            if (port != null && (port < 1 || port > 65535)) {
                throw new PluginConfigException("port", "port must be between 1 and 65535, got " + port);
            }
            insecureSkipVerify = insecureSkipVerify == null ? Boolean.TRUE : insecureSkipVerify;
            caCertPath = blankToNull(caCertPath);
            clientCertPath = blankToNull(clientCertPath);
            clientKeyPath = blankToNull(clientKeyPath);
            if ((clientCertPath == null) != (clientKeyPath == null)) {
                throw new PluginConfigException(clientCertPath == null ? "clientCertPath" : "clientKeyPath",
                        "clientCertPath and clientKeyPath must be set together");
            }
            if (scheme.equals("http")) {
                // llm-d silently ignores TLS files for plain http; a typo in the scheme would then go unnoticed
                String tlsField = caCertPath != null ? "caCertPath" : clientCertPath != null ? "clientCertPath" : null;
                if (tlsField != null) {
                    throw new PluginConfigException(tlsField, tlsField + " applies to scheme https only");
                }
            }
            if (interval != null && !interval.isEmpty()) {
                GoDuration.parseNonNegative("interval", interval);
            }
        }

        /** The requested poll period; zero means every base tick. */
        public Duration intervalDuration() {
            return interval == null || interval.isEmpty() ? Duration.ZERO
                    : GoDuration.parseNonNegative("interval", interval);
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }

    @Override
    public java.util.Optional<io.quarkiverse.llmd.engine.framework.datalayer.HttpPoll> httpPoll() {
        return java.util.Optional.of(new io.quarkiverse.llmd.engine.framework.datalayer.HttpPoll(settings.scheme(),
                settings.path(), settings.port(), settings.insecureSkipVerify(),
                settings.caCertPath() != null || settings.clientCertPath() != null));
    }

    @Override
    public String produces() {
        return PROMETHEUS_METRICS;
    }

    /**
     * The poll period: the requested {@code interval} rounded to the nearest multiple of the base tick (at least one
     * tick), the tick itself being at least {@link #MIN_TICK}, as llm-d's data layer does.
     */
    @Override
    public Duration effectiveInterval(Duration baseTick) {
        Duration tick = baseTick == null || baseTick.compareTo(MIN_TICK) < 0 ? MIN_TICK : baseTick;
        Duration requested = settings.intervalDuration();
        if (requested.isZero()) {
            return tick;
        }
        long ticks = Math.max(1, Math.round((double) requested.toNanos() / tick.toNanos()));
        return tick.multipliedBy(ticks);
    }
}
