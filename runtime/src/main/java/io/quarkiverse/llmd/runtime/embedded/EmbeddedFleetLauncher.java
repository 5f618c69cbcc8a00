package io.quarkiverse.llmd.runtime.embedded;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.RuntimePoolSource;
import io.quarkiverse.llmd.runtime.config.EmbeddedFleetConfig;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.metrics.MetricsServer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerStart;

/**
 * Starts the embedded simulated fleet at startup when {@code quarkus.llmd.embedded-fleet.enabled} is true and the
 * pool is still empty (no static endpoints, nothing discovered yet), registers its pods in the
 * {@link EndpointRegistry} and stops it at shutdown. This is how the gateway app shows the whole system with one
 * command. The simulator classes are touched only when the feature is enabled and present.
 */
@Singleton
public class EmbeddedFleetLauncher {

    private static final Logger LOG = Logger.getLogger(EmbeddedFleetLauncher.class);

    private volatile EmbeddedFleet running;
    private final AtomicBoolean announced = new AtomicBoolean();

    void onStart(@Observes StartupEvent event, LlmdConfig config, EndpointRegistry registry,
            @Any Instance<RuntimePoolSource> runtimeSources) {
        EmbeddedFleetConfig fleet = config.embeddedFleet();
        if (!fleet.enabled()) {
            return;
        }
        if (RuntimePoolSource.anyActive(runtimeSources)) {
            LOG.debug("embedded fleet not started: pools come from a runtime source (LLMInferenceServices)");
            return;
        }
        if (!registry.endpoints().isEmpty()) {
            LOG.debugf("embedded fleet not started: the pool already has %d endpoints", registry.endpoints().size());
            return;
        }
        if (!config.pools().isEmpty()) {
            // the fleet stands in for a default pool with nothing configured; named pools are configured
            LOG.debugf("embedded fleet not started: %d named pool(s) configured", config.pools().size());
            return;
        }
        if (!EmbeddedFleet.available()) {
            LOG.warn("quarkus.llmd.embedded-fleet.enabled is true but io.quarkiverse.llmd:quarkus-llmd-simulator is not"
                    + " on the class path; starting with an empty pool");
            return;
        }
        EmbeddedFleet started = EmbeddedFleet.start(new EmbeddedFleet.Settings(fleet.model(), fleet.profiles(),
                fleet.replicas(), fleet.timeScale(), fleet.host()));
        running = started;
        registry.replaceAll(started.endpoints());
        LOG.debugf("embedded fleet started: %s", started.describe());
    }

    /**
     * The banner, once the HTTP server listens: only then are the ports it names the bound ones (a port of 0 picks
     * a free one at bind time).
     */
    void announce(@ObservesAsync HttpServerStart event, LlmdConfig config, Instance<MetricsServer> metricsServer) {
        EmbeddedFleet started = running;
        if (started == null || !announced.compareAndSet(false, true)) {
            return;
        }
        LOG.infof("llm-d gateway with an embedded simulated fleet (no endpoints configured)%n"
                + "  OpenAI proxy : http://%s/v1/chat/completions%n"
                + "  ext_proc     : grpc://%s%n"
                + "  metrics      : %s%n"
                + "  %d simulated vLLM pods serving %s:%s",
                httpAddress(), grpcAddress(), metricsUrl(metricsServer), started.members().size(),
                config.embeddedFleet().model(), started.describe());
    }

    void onStop(@Observes ShutdownEvent event) {
        EmbeddedFleet fleet = running;
        running = null;
        if (fleet != null) {
            try {
                fleet.close();
            } catch (Exception e) {
                LOG.debug("closing the embedded fleet failed", e);
            }
        }
    }

    /** Whether this bean started a fleet. */
    public boolean isRunning() {
        return running != null;
    }

    private static String httpAddress() {
        Config c = ConfigProvider.getConfig();
        return host(c, "quarkus.http.host") + ":" + c.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
    }

    private static String grpcAddress() {
        Config c = ConfigProvider.getConfig();
        return host(c, "quarkus.grpc.server.host") + ":"
                + c.getOptionalValue("quarkus.grpc.server.port", Integer.class).orElse(9002);
    }

    private static String metricsUrl(Instance<MetricsServer> metricsServer) {
        Config c = ConfigProvider.getConfig();
        boolean management = c.getOptionalValue("quarkus.management.enabled", Boolean.class).orElse(false);
        String path = c.getOptionalValue("quarkus.micrometer.export.prometheus.path", String.class).orElse("metrics");
        if (c.getOptionalValue("quarkus.llmd.metrics.server-enabled", Boolean.class).orElse(true)) {
            // the extension's own Prometheus server, as llm-d's EPP serves :9090/metrics
            int bound = metricsServer.isResolvable() ? metricsServer.get().port() : -1;
            return "http://localhost:" + (bound > 0 ? bound
                    : c.getOptionalValue("quarkus.llmd.metrics.port", Integer.class).orElse(9090))
                    + c.getOptionalValue("quarkus.llmd.metrics.path", String.class).orElse("/metrics");
        }
        if (management) {
            String root = c.getOptionalValue("quarkus.management.root-path", String.class).orElse("/q");
            return "http://" + host(c, "quarkus.management.host") + ":"
                    + c.getOptionalValue("quarkus.management.port", Integer.class).orElse(9000) + join(root, path);
        }
        return "http://" + httpAddress() + join("/q", path);
    }

    private static String host(Config c, String key) {
        Optional<String> host = c.getOptionalValue(key, String.class);
        return host.isEmpty() || host.get().equals("0.0.0.0") ? "localhost" : host.get();
    }

    private static String join(String root, String path) {
        if (path.startsWith("/")) {
            return path;
        }
        return (root.endsWith("/") ? root : root + "/") + path;
    }
}
