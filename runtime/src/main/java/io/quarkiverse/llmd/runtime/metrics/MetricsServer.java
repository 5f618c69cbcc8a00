package io.quarkiverse.llmd.runtime.metrics;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Serves the Prometheus registry on llm-d's metrics port ({@code --metrics-port}, 9090) at {@code /metrics}, beside
 * Quarkus's {@code /q/metrics}, so that scrape configs and dashboards written for llm-d's EPP work unchanged. Also
 * keeps the per-endpoint gauges (queue size, in-flight load) of every pool in step with its members. A port that
 * cannot be bound is logged, not fatal.
 */
@Singleton
public class MetricsServer {

    private static final Logger LOG = Logger.getLogger(MetricsServer.class);
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final LlmdConfig config;
    private final Vertx vertx;
    private final Instance<PrometheusMeterRegistry> prometheus;
    private final EppMetrics metrics;
    private final PoolDirectory pools;
    private volatile HttpServer server;
    private long refreshTimer = -1;

    public MetricsServer(LlmdConfig config, Vertx vertx, Instance<PrometheusMeterRegistry> prometheus,
            EppMetrics metrics, PoolDirectory pools) {
        this.config = config;
        this.vertx = vertx;
        this.prometheus = prometheus;
        this.metrics = metrics;
        this.pools = pools;
    }

    void start(@Observes StartupEvent event) {
        if (!metrics.enabled()) {
            return;
        }
        pools.listen(change -> change.added().forEach(MetricsServer::trackInFlightLoad));
        pools.current().all().forEach(MetricsServer::trackInFlightLoad);
        refreshPerPod();
        refreshTimer = vertx.setPeriodic(Math.max(1, config.metrics().perPodRefreshInterval().toMillis()),
                t -> refreshPerPod());
        if (!config.metrics().serverEnabled() || !prometheus.isResolvable()) {
            return;
        }
        PrometheusMeterRegistry registry = prometheus.get();
        String path = config.metrics().path();
        HttpServer s = vertx.createHttpServer().requestHandler(request -> {
            if (!request.path().equals(path)) {
                request.response().setStatusCode(404).end();
                return;
            }
            refreshPerPod();
            // Rendering the registry takes a while on a large one: keep it off the event loop.
            vertx.executeBlocking((java.util.concurrent.Callable<String>) () -> registry.scrape(), false).onComplete(result -> {
                if (result.succeeded()) {
                    request.response().putHeader("content-type", CONTENT_TYPE).end(result.result());
                } else {
                    request.response().setStatusCode(500).end(String.valueOf(result.cause()));
                }
            });
        });
        try {
            server = s.listen(config.metrics().port(), config.metrics().host()).toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            LOG.infof("EPP metrics on http://%s:%d%s", config.metrics().host(), server.actualPort(), path);
        } catch (Exception e) {
            LOG.warnf("EPP metrics server could not listen on %s:%d: %s (metrics stay on /q/metrics)",
                    config.metrics().host(), config.metrics().port(), e.getCause() == null ? e : e.getCause());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (refreshTimer >= 0) {
            vertx.cancelTimer(refreshTimer);
        }
        HttpServer s = server;
        if (s != null) {
            s.close();
        }
    }

    /**
     * llm_d_epp_inflight_* come from every in-flight load producer of the pool's EndpointPickerConfig; a pool that
     * replaced another of its name (and took over its meters) drops the producers of the old configuration.
     */
    private static void trackInFlightLoad(Pool pool) {
        if (pool.pipeline().metrics() instanceof EppMetrics m) {
            m.forgetInFlightSources();
            for (Map.Entry<String, Plugin> p : pool.scheduler().plugins().entrySet()) {
                if (p.getValue() instanceof InFlightLoad load) {
                    m.inFlightSource(p.getKey(), load);
                }
            }
        }
    }

    /** Publishes every pool's per-endpoint gauges for its current members. */
    private void refreshPerPod() {
        for (Pool pool : pools.current().all()) {
            if (pool.pipeline().metrics() instanceof EppMetrics m) {
                m.refreshPerPod(pool.registry());
            }
        }
    }

    /** The port the metrics server listens on, or -1 when it is not running. */
    public int port() {
        HttpServer s = server;
        return s == null ? -1 : s.actualPort();
    }
}
