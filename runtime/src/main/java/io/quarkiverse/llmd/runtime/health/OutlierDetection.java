package io.quarkiverse.llmd.runtime.health;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.pool.EndpointHealth;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.OutlierDetectionConfig;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The runtime side of each pool's {@link EndpointHealth}: applies {@code quarkus.llmd.outlier-detection.*} at
 * startup, sweeps every {@code interval} on a Vert.x timer (ended ejections, metrics gone stale), logs each transition
 * once, and publishes per pool {@value #EJECTED} and {@value #UNSCHEDULABLE} (label {@code name}: the pool, from the
 * configuration, so bounded). The ready-endpoints gauge of each pool counts only schedulable endpoints.
 */
@Singleton
public class OutlierDetection {

    private static final Logger LOG = Logger.getLogger(OutlierDetection.class);
    static final String PREFIX = "quarkus.llmd.outlier-detection";
    /** Endpoints ejected by outlier detection, per pool. */
    public static final String EJECTED = "llm_d_epp_ejected_endpoints";
    /** Endpoints unschedulable for stale metrics, per pool. */
    public static final String UNSCHEDULABLE = "llm_d_epp_unschedulable_endpoints";

    private final Vertx vertx;
    private final Pools pools;
    private final OutlierDetectionConfig config;
    private final Instance<MeterRegistry> meters;
    private long timerId = -1;

    public OutlierDetection(Vertx vertx, Pools pools, LlmdConfig config, Instance<MeterRegistry> meters) {
        this.vertx = vertx;
        this.pools = pools;
        this.config = config.outlierDetection();
        this.meters = meters;
    }

    /** The settings the configuration asks for, or a startup error naming the property. */
    static EndpointHealth.Settings settings(OutlierDetectionConfig c) {
        if (!c.enabled()) {
            return EndpointHealth.Settings.OFF;
        }
        if (c.consecutiveFailures() < 1) {
            throw new ConfigException(PREFIX + ".consecutive-failures", 0, null, "must be at least 1, not "
                    + c.consecutiveFailures() + " (set " + PREFIX + ".enabled=false to switch ejection off)");
        }
        if (c.baseEjectionTime().isNegative() || c.baseEjectionTime().isZero()) {
            throw new ConfigException(PREFIX + ".base-ejection-time", 0, null, "must be positive, not "
                    + c.baseEjectionTime());
        }
        if (c.maxEjectionTime().compareTo(c.baseEjectionTime()) < 0) {
            throw new ConfigException(PREFIX + ".max-ejection-time", 0, null, "must be at least base-ejection-time ("
                    + c.baseEjectionTime() + "), not " + c.maxEjectionTime());
        }
        if (c.maxEjectionPercent() < 0 || c.maxEjectionPercent() > 100) {
            throw new ConfigException(PREFIX + ".max-ejection-percent", 0, null, "must be within 0..100, not "
                    + c.maxEjectionPercent());
        }
        return new EndpointHealth.Settings(c.consecutiveFailures(), c.baseEjectionTime(), c.maxEjectionTime(),
                c.maxEjectionPercent());
    }

    void onStart(@Observes StartupEvent event) {
        EndpointHealth.Settings settings = settings(config);
        if (config.interval().isNegative() || config.interval().isZero()) {
            throw new ConfigException(PREFIX + ".interval", 0, null, "must be positive, not " + config.interval());
        }
        if (config.staleAfterIntervals() < 0) {
            throw new ConfigException(PREFIX + ".stale-after-intervals", 0, null, "must be 0 (off) or more, not "
                    + config.staleAfterIntervals());
        }
        for (Pool p : pools.all()) {
            EndpointHealth health = p.pipeline().health();
            health.useSettings(settings);
            String pool = p.name();
            health.onTransition(t -> log(pool, t));
            if (meters.isResolvable()) {
                MeterRegistry registry = meters.get();
                Gauge.builder(EJECTED, health, EndpointHealth::ejectedCount).tags("name", pool).strongReference(true)
                        .description("Endpoints of the pool ejected by outlier detection").register(registry);
                Gauge.builder(UNSCHEDULABLE, health, EndpointHealth::unschedulableCount).tags("name", pool)
                        .strongReference(true)
                        .description("Endpoints of the pool left out of scheduling for stale metrics")
                        .register(registry);
            }
            if (p.pipeline().metrics() instanceof EppMetrics m) {
                m.countReadyWith(() -> p.pipeline().schedulableEndpoints().size());
            }
        }
        timerId = vertx.setPeriodic(config.interval().toMillis(), config.interval().toMillis(), id -> sweep());
        if (settings.consecutiveFailures() > 0) {
            LOG.infof("outlier detection: %d consecutive failures eject an endpoint for %s x ejections (at most %s, "
                    + "at most %d%% of a pool)", settings.consecutiveFailures(), settings.baseEjectionTime(),
                    settings.maxEjectionTime(), settings.maxEjectionPercent());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Runs every pool's sweep now (the timer does this every interval). */
    public void sweep() {
        long now = System.nanoTime();
        for (Pool p : pools.all()) {
            p.pipeline().health().sweep(p.registry().endpoints(), now);
        }
    }

    private static void log(String pool, EndpointHealth.Transition t) {
        switch (t.to()) {
            case EJECTED -> LOG.warnf("pool %s: endpoint %s ejected: %s", pool, t.endpoint(), t.reason());
            case UNSCHEDULABLE -> LOG.warnf("pool %s: endpoint %s unschedulable: %s", pool, t.endpoint(),
                    t.reason());
            case HEALTHY -> LOG.infof("pool %s: endpoint %s schedulable again: %s", pool, t.endpoint(), t.reason());
        }
    }
}
