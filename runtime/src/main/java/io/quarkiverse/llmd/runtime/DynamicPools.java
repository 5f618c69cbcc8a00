package io.quarkiverse.llmd.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventConsumer;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexFactory;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.SaturationProbe;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.datalayer.PoolScrapeSettings;
import io.quarkiverse.llmd.runtime.kvcache.SharedKvBlockIndexes;
import io.quarkiverse.llmd.runtime.kvevents.KvEventSubscribers;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;
import io.vertx.core.Vertx;

/**
 * Pools added, replaced and removed while the gateway runs (one per watched LLMInferenceService, for instance), built
 * like the pools of {@code quarkus.llmd.pools."<name>"}: own EndpointPickerConfig, scheduler, meters, scrape settings,
 * and the gateway-wide flow-control knobs and observers. Configuration-declared pools are not touched: a name they
 * use is refused.
 * <p>
 * A pool's endpoint registry and meters belong to its name, not to one configuration: a replacement (new scheduler
 * config, new models) takes them over, so endpoints and their scraped metrics carry on and the series do not blink.
 * Removal closes them. The caller publishes endpoints into {@link #registry(String)}.
 * <p>
 * A pool whose configuration has a precise prefix-cache producer gets its KV-event subscription and, when the
 * config asks for one, its Redis-shared index, as a configured pool does; a replacement starts new ones and retires
 * the old ones (so a centralized socket is released before it is bound again), and removal retires them.
 */
@Singleton
public class DynamicPools {

    private static final Logger LOG = Logger.getLogger(DynamicPools.class);

    /**
     * What a pool added at runtime is made of.
     *
     * @param name the pool's name, unique in the gateway
     * @param models the models it serves; empty makes it the catch-all pool
     * @param configOrigin where the EndpointPickerConfig comes from, named in errors and logs
     * @param configText the EndpointPickerConfig (YAML or JSON), or null for llm-d's default
     */
    public record Spec(String name, Set<String> models, String configOrigin, String configText) {
        public Spec {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a pool needs a name");
            }
            models = Set.copyOf(models);
        }
    }

    /** What outlives one configuration of a pool. */
    private record Slot(EndpointRegistry registry, PipelineMetrics metrics) {
    }

    private final PoolDirectory directory;
    private final LlmdConfig config;
    private final PluginRegistry plugins;
    private final Instance<MeterRegistry> meters;
    private final Vertx vertx;
    private final Instance<DecisionObserver> observers;
    private final Instance<RequestObserver> requestObservers;
    private final PoolScrapeSettings scrape;
    private final SharedKvBlockIndexes sharedIndexes;
    private final KvEventSubscribers kvEvents;
    private final Map<String, Slot> slots = new TreeMap<>();
    private final Map<String, String> conditions = new ConcurrentHashMap<>();

    public DynamicPools(PoolDirectory directory, LlmdConfig config, PluginRegistry plugins,
            Instance<MeterRegistry> meters, Vertx vertx, @Any Instance<DecisionObserver> observers,
            @Any Instance<RequestObserver> requestObservers, PoolScrapeSettings scrape,
            SharedKvBlockIndexes sharedIndexes, KvEventSubscribers kvEvents) {
        this.directory = directory;
        this.config = config;
        this.plugins = plugins;
        this.meters = meters;
        this.vertx = vertx;
        this.observers = observers;
        this.requestObservers = requestObservers;
        this.scrape = scrape;
        this.sharedIndexes = sharedIndexes;
        this.kvEvents = kvEvents;
    }

    public PoolDirectory directory() {
        return directory;
    }

    /**
     * Adds the pool, or replaces the one of the same name with a new configuration; all or nothing.
     *
     * @return the pool now in force
     * @throws ConfigException when the EndpointPickerConfig is invalid (the previous pool, if any, stays)
     * @throws IllegalArgumentException when the name belongs to a configured pool or a model is served by another
     *         pool (the previous pool, if any, stays)
     */
    public synchronized Pool put(Spec spec) {
        String name = spec.name();
        Slot slot = slots.get(name);
        if (slot == null && directory.current().named(name) != null) {
            throw new IllegalArgumentException("pool name '" + name + "' is taken by a configured pool");
        }
        // Shared indexes connect as they are built: remember them, to retire them if this configuration is refused.
        List<KvBlockIndex> built = new ArrayList<>();
        KvBlockIndexFactory poolIndexes = sharedIndexes.forPool(name);
        KvBlockIndexFactory tracked = (plugin, backend, indexConfig) -> {
            KvBlockIndex index = poolIndexes.create(plugin, backend, indexConfig);
            built.add(index);
            return index;
        };
        EndpointPickerConfigLoader.Loaded loaded;
        try {
            loaded = LlmdProducers.loadPickerConfig(spec.configOrigin(), spec.configText(), plugins,
                    config.allowExperimentalPlugins(), tracked);
        } catch (RuntimeException e) {
            built.forEach(sharedIndexes::retire);
            throw e;
        }
        boolean fresh = slot == null;
        if (fresh) {
            EndpointRegistry registry = new EndpointRegistry();
            PipelineMetrics metrics = config.metrics().enabled() && meters.isResolvable()
                    ? new EppMetrics(meters.get(), name, registry, LlmdProducers.metricsOptions(config))
                    : PipelineMetrics.NOOP;
            slot = new Slot(registry, metrics);
        }
        try {
            SaturationProbe probe = new SaturationProbe(loaded.saturationDetector(), loaded.scheduler());
            RequestPipeline pipeline = new RequestPipeline(name, loaded.scheduler(), slot.registry()::endpoints,
                    Admission.legacy(probe, slot.metrics()::saturation), Map.of(), java.time.Clock.systemUTC(),
                    slot.metrics(), System::nanoTime);
            LlmdProducers.observeAndControlFlow(pipeline, config, loaded, probe, vertx, observers,
                    requestObservers);
            scrape.configure(name, spec.configOrigin(), loaded.config(), loaded.dataLayer(),
                    config.dataLayer().metricsPath(), config.dataLayer().refreshInterval());
            Pool pool = new Pool(name, spec.models(), slot.registry(), pipeline);
            kvEvents.check(pool);
            Pool previous = fresh ? null : directory.current().named(name);
            kvEvents.stop(name);
            directory.put(pool);
            slots.put(name, slot);
            kvEvents.start(pool);
            if (previous != null) {
                retireIndexes(previous);
            }
            LOG.infof("Pool %s %s: serves %s with %d endpoint(s), config %s", name, fresh ? "added" : "replaced",
                    pool.catchAll() ? "any model" : pool.models(), slot.registry().endpoints().size(),
                    spec.configText() == null ? "llm-d's default" : spec.configOrigin());
            return pool;
        } catch (RuntimeException e) {
            built.forEach(sharedIndexes::retire);
            if (fresh) {
                closeMeters(slot);
                scrape.forget(name);
            }
            throw e;
        }
    }

    /**
     * Removes a pool added at runtime; its meters and scrape settings close, its in-flight requests finish.
     *
     * @return whether there was such a pool
     */
    public synchronized boolean remove(String name) {
        Slot slot = slots.remove(name);
        conditions.remove(name);
        if (slot == null) {
            return false;
        }
        Pool pool = directory.current().named(name);
        kvEvents.stop(name);
        directory.remove(name);
        if (pool != null) {
            retireIndexes(pool);
        }
        scrape.forget(name);
        closeMeters(slot);
        LOG.infof("Pool %s removed", name);
        return true;
    }

    /** The endpoint registry of a pool added at runtime, or null; the caller publishes its endpoints there. */
    public synchronized EndpointRegistry registry(String name) {
        Slot slot = slots.get(name);
        return slot == null ? null : slot.registry();
    }

    /** The names of the pools added at runtime, sorted. */
    public synchronized Set<String> names() {
        return Set.copyOf(slots.keySet());
    }

    /**
     * Records what the owner of a pool wants known about it (for instance why its last configuration was refused);
     * shown in the Dev UI. Null clears it.
     */
    public void condition(String name, String text) {
        if (text == null) {
            conditions.remove(name);
        } else {
            conditions.put(name, text);
        }
    }

    /** The condition recorded for a pool, or null. */
    public String condition(String name) {
        return conditions.get(name);
    }

    /** Every recorded condition by pool, including pools refused before they ever existed; sorted by name. */
    public Map<String, String> conditions() {
        return new TreeMap<>(conditions);
    }

    /** Retires the shared indexes of a pool's KV-event plugins (in-memory ones are simply left to the collector). */
    private void retireIndexes(Pool pool) {
        for (Plugin plugin : pool.scheduler().plugins().values()) {
            if (plugin instanceof KvEventConsumer consumer) {
                sharedIndexes.retire(consumer.index());
            }
        }
    }

    private static void closeMeters(Slot slot) {
        if (slot.metrics() instanceof EppMetrics m) {
            m.close();
        }
    }
}
