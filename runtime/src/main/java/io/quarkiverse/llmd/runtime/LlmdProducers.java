package io.quarkiverse.llmd.runtime;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointDiscovery;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexFactory;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;
import io.quarkiverse.llmd.engine.pipeline.FlowTicker;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.SaturationProbe;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.MetricsConfig;
import io.quarkiverse.llmd.runtime.config.PoolConfig;
import io.quarkiverse.llmd.runtime.datalayer.PoolScrapeSettings;
import io.quarkiverse.llmd.runtime.discovery.EndpointSourceProvider;
import io.quarkiverse.llmd.runtime.discovery.EndpointSources;
import io.quarkiverse.llmd.runtime.discovery.WatchedEndpointSource;
import io.quarkiverse.llmd.runtime.kvcache.SharedKvBlockIndexes;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;
import io.quarkus.arc.DefaultBean;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * CDI wiring of the engine. Every producer is a {@link DefaultBean}, so an application can replace any piece by
 * declaring its own bean of the same type.
 */
@Singleton
public class LlmdProducers {

    private static final Logger LOG = Logger.getLogger(LlmdProducers.class);

    /**
     * Built-in plugin types, plus the application's own: every bean implementing {@link PluginFactory} or
     * {@link Plugin} that carries {@code @Identifier("type-name")} becomes a type the EndpointPickerConfig can name.
     */
    @Produces
    @Singleton
    @DefaultBean
    PluginRegistry pluginRegistry(@Any Instance<PluginFactory> factories, @Any Instance<Plugin> plugins, Vertx vertx,
            Instance<io.micrometer.core.instrument.MeterRegistry> meters) {
        PluginRegistry registry = BuiltInPlugins.registry();
        // token-producer with the backends the engine cannot have (the render endpoints, a local tokenizer).
        io.quarkiverse.llmd.runtime.tokenizer.RuntimeTokenProducer.install(registry,
                new io.quarkiverse.llmd.runtime.tokenizer.RenderTransport(vertx,
                        meters.isResolvable() ? meters.get() : null));
        Map<String, PluginFactory> custom = new TreeMap<>();
        for (Instance.Handle<PluginFactory> handle : factories.handles()) {
            String type = identifier(handle.getBean().getQualifiers());
            if (type != null) {
                custom.put(type, handle.get());
            }
        }
        for (Instance.Handle<Plugin> handle : plugins.handles()) {
            String type = identifier(handle.getBean().getQualifiers());
            if (type != null && !custom.containsKey(type)) {
                custom.put(type, (name, parameters, h) -> {
                    if (parameters != null && parameters.size() > 0) {
                        throw new io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException(null,
                                "plugin bean '" + type + "' takes no parameters; register a PluginFactory bean instead");
                    }
                    return handle.get();
                });
            }
        }
        for (Map.Entry<String, PluginFactory> e : custom.entrySet()) {
            registry.register(e.getKey(), e.getValue());
        }
        // Flow-control policies, so that the EndpointPickerConfig can declare them in plugins (llm-d injects them).
        FlowControlPolicies.register(registry);
        return registry;
    }

    /** The scheduler built from {@code quarkus.llmd.config-file}, {@code config-text} or llm-d's default. */
    @Produces
    @Singleton
    @DefaultBean
    EndpointPickerConfigLoader.Loaded endpointPickerConfig(LlmdConfig config, PluginRegistry registry,
            SharedKvBlockIndexes indexes) {
        return loadPickerConfig("quarkus.llmd", config, registry, config.allowExperimentalPlugins(),
                indexes.forPool(config.metrics().poolName()));
    }

    /**
     * Loads a pool's EndpointPickerConfig and logs what it holds.
     *
     * @param indexes builds the pool's precise prefix-cache indexes (shared ones are scoped by the pool's name)
     */
    static EndpointPickerConfigLoader.Loaded loadPickerConfig(String prefix, PoolConfig config,
            PluginRegistry registry, boolean allowExperimental, KvBlockIndexFactory indexes) {
        EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(registry,
                new EndpointPickerConfigLoader.Options(allowExperimental, indexes));
        if (config.configFile().isPresent() && config.configText().isPresent()) {
            throw new ConfigException(prefix, 0, "config-file",
                    "config-file and config-text are mutually exclusive, as --config-file and --config-text are");
        }
        EndpointPickerConfigLoader.Loaded loaded;
        if (config.configFile().isPresent()) {
            loaded = loader.load(config.configFile().get());
        } else if (config.configText().isPresent()) {
            loaded = loader.load(prefix + ".config-text", config.configText().get());
        } else {
            loaded = loader.loadDefault();
        }
        return checked(prefix, loaded);
    }

    /**
     * Loads an EndpointPickerConfig given as text (a pool added at runtime), or llm-d's default when {@code text} is
     * null.
     *
     * @param origin where the text comes from, named in errors
     * @param indexes builds the pool's precise prefix-cache indexes
     * @throws ConfigException when the text is not a valid configuration
     */
    static EndpointPickerConfigLoader.Loaded loadPickerConfig(String origin, String text, PluginRegistry registry,
            boolean allowExperimental, KvBlockIndexFactory indexes) {
        EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(registry,
                new EndpointPickerConfigLoader.Options(allowExperimental, indexes));
        return checked(origin, text == null ? loader.loadDefault() : loader.load(origin, text));
    }

    /** Logs the loaded configuration's warnings and refuses what this gateway cannot honour. */
    private static EndpointPickerConfigLoader.Loaded checked(String prefix, EndpointPickerConfigLoader.Loaded loaded) {
        for (String warning : loaded.warnings()) {
            LOG.warn(warning);
        }
        var dataLayer = loaded.dataLayer();
        if (dataLayer != null && (dataLayer.peerDiscovery() != null || dataLayer.crossReplicaSyncer() != null)) {
            // configured, so it must take effect; it cannot here yet, so refuse rather than ignore it
            throw new ConfigException(prefix, 0, "dataLayer", "peerDiscovery and crossReplicaSyncerPluginRef are not "
                    + "supported yet: remove them (replicas of this gateway route independently)");
        }
        LOG.infof("EndpointPickerConfig of %s: profiles %s, plugins %s", prefix, loaded.scheduler().profiles().keySet(),
                loaded.scheduler().plugins().keySet());
        return loaded;
    }

    @Produces
    @Singleton
    @DefaultBean
    Scheduler scheduler(EndpointPickerConfigLoader.Loaded loaded) {
        return loaded.scheduler();
    }

    /** The pool, seeded with the statically configured endpoints. */
    @Produces
    @Singleton
    @DefaultBean
    EndpointRegistry endpointRegistry(LlmdConfig config) {
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(staticEndpoints("quarkus.llmd", config));
        return registry;
    }

    /** The statically configured endpoints of a pool, sorted by name; an address without a valid port is refused. */
    static List<Endpoint> staticEndpoints(String prefix, PoolConfig config) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (Map.Entry<String, LlmdConfig.EndpointConfig> e : new TreeMap<>(config.endpoints()).entrySet()) {
            String property = prefix + ".endpoints.\"" + e.getKey() + "\".address";
            EndpointAddress address;
            try {
                address = EndpointAddress.parseWithPort(e.getValue().address());
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(property, 0, "address", ex.getMessage());
            }
            endpoints.add(new Endpoint(e.getKey(), e.getValue().address().trim(), e.getValue().labels(),
                    io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics.NONE, address));
        }
        return endpoints;
    }

    /** The EPP's meters, registered with Micrometer (exposed on /q/metrics and on the llm-d metrics port). */
    @Produces
    @Singleton
    @DefaultBean
    EppMetrics eppMetrics(LlmdConfig config, Instance<MeterRegistry> meterRegistry, EndpointRegistry registry) {
        if (!config.metrics().enabled() || !meterRegistry.isResolvable()) {
            return EppMetrics.NOOP;
        }
        return new EppMetrics(meterRegistry.get(), config.metrics().poolName(), registry, metricsOptions(config));
    }

    /**
     * Label limits of the EPP meters. The models the configuration names (each pool's models and rewrites) are
     * known and never capped; any other model a client sends shares the capped set with an {@code other} bucket.
     */
    static EppMetrics.Options metricsOptions(LlmdConfig config) {
        MetricsConfig m = config.metrics();
        Set<String> known = new java.util.HashSet<>();
        List<PoolConfig> all = new ArrayList<>(config.pools().values());
        all.add(config);
        for (PoolConfig p : all) {
            p.models().ifPresent(known::addAll);
            known.addAll(p.modelRewrites().keySet());
            known.addAll(p.modelRewrites().values());
        }
        Set<String> models = Set.copyOf(known);
        return new EppMetrics.Options(m.modelLabelLimit(), m.fairnessIdLabelLimit(), m.labelSetLimit(),
                m.legacyNames(), null).withKnownModels(models::contains);
    }

    /** The saturation detector of the EndpointPickerConfig, with the data producers it consumes. */
    @Produces
    @Singleton
    @DefaultBean
    SaturationProbe saturationProbe(EndpointPickerConfigLoader.Loaded loaded, Scheduler scheduler) {
        return new SaturationProbe(loaded.saturationDetector(), scheduler);
    }

    /** llm-d's legacy admission: sheddable requests (priority < 0) get 429 while the pool is saturated. */
    @Produces
    @Singleton
    @DefaultBean
    Admission admission(SaturationProbe probe, EppMetrics metrics) {
        return Admission.legacy(probe, metrics::saturation);
    }

    @Produces
    @Singleton
    @DefaultBean
    RequestPipeline requestPipeline(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            LlmdConfig config, EndpointPickerConfigLoader.Loaded loaded, SaturationProbe probe, EppMetrics metrics,
            Vertx vertx, @Any Instance<DecisionObserver> observers, @Any Instance<RequestObserver> requestObservers) {
        RequestPipeline pipeline = new RequestPipeline(config.metrics().poolName(), scheduler, registry::endpoints,
                admission, priorities(config), Clock.systemUTC(), metrics, System::nanoTime);
        configure(pipeline, "quarkus.llmd", config, config, loaded, probe, vertx, observers, requestObservers);
        return pipeline;
    }

    /**
     * Every pool the gateway serves: the default pool (the flat {@code quarkus.llmd.*} properties, built from the
     * beans above so an application can replace its parts) unless named pools replace it, and each
     * {@code quarkus.llmd.pools."<name>"}.
     */
    @Produces
    @Singleton
    @DefaultBean
    PoolDirectory pools(LlmdConfig config, RequestPipeline defaultPipeline, EndpointRegistry defaultRegistry,
            EndpointPickerConfigLoader.Loaded defaultLoaded, PluginRegistry plugins,
            Instance<MeterRegistry> meterRegistry, Vertx vertx, @Any Instance<DecisionObserver> observers,
            @Any Instance<RequestObserver> requestObservers, @Any Instance<EndpointSourceProvider> providers,
            EndpointSources sources, PoolScrapeSettings scrape, @Any Instance<RuntimePoolSource> runtimeSources,
            SharedKvBlockIndexes indexes) {
        List<Pool> pools = new ArrayList<>();
        if ((config.pools().isEmpty() && !RuntimePoolSource.anyActive(runtimeSources)) || defaultPoolActive(config)) {
            pools.add(new Pool(config.metrics().poolName(), config.models().orElse(Set.of()), defaultRegistry,
                    defaultPipeline));
            discover(config.metrics().poolName(), "quarkus.llmd", config, defaultLoaded, defaultRegistry, plugins,
                    vertx, providers, sources);
            scrape(scrape, config.metrics().poolName(), "quarkus.llmd", config, defaultLoaded);
        }
        for (Map.Entry<String, PoolConfig> e : new TreeMap<>(config.pools()).entrySet()) {
            String name = e.getKey();
            PoolConfig pc = e.getValue();
            String prefix = "quarkus.llmd.pools.\"" + name + "\"";
            EndpointPickerConfigLoader.Loaded loaded = loadPickerConfig(prefix, pc, plugins,
                    config.allowExperimentalPlugins(), indexes.forPool(name));
            Scheduler scheduler = loaded.scheduler();
            EndpointRegistry registry = new EndpointRegistry();
            registry.replaceAll(staticEndpoints(prefix, pc));
            PipelineMetrics metrics = config.metrics().enabled() && meterRegistry.isResolvable()
                    ? new EppMetrics(meterRegistry.get(), name, registry, metricsOptions(config))
                    : PipelineMetrics.NOOP;
            SaturationProbe probe = new SaturationProbe(loaded.saturationDetector(), scheduler);
            RequestPipeline pipeline = new RequestPipeline(name, scheduler, registry::endpoints,
                    Admission.legacy(probe, metrics::saturation), priorities(pc), Clock.systemUTC(), metrics,
                    System::nanoTime);
            configure(pipeline, prefix, pc, config, loaded, probe, vertx, observers, requestObservers);
            pools.add(new Pool(name, pc.models().orElse(Set.of()), registry, pipeline));
            discover(name, prefix, pc, loaded, registry, plugins, vertx, providers, sources);
            scrape(scrape, name, prefix, config, loaded);
        }
        try {
            Pools all = new Pools(pools);
            for (Pool p : all.all()) {
                LOG.infof("Pool %s serves %s with %d endpoint(s) %s", p.name(),
                        p.catchAll() ? "any model" : p.models(), p.registry().endpoints().size(),
                        p.registry().endpoints().stream().map(ep -> ep.name() + "=" + ep.address()).toList());
            }
            return new PoolDirectory(all);
        } catch (IllegalArgumentException ex) {
            throw new ConfigException("quarkus.llmd.pools", 0, "models", ex.getMessage());
        }
    }

    /**
     * The pools in force when the bean is created: a snapshot. Edges that serve requests read
     * {@link PoolDirectory#current()} per request instead, since pools can be added and removed at runtime.
     */
    @Produces
    @Dependent
    @DefaultBean
    Pools currentPools(PoolDirectory directory) {
        return directory.current();
    }

    /**
     * Starts the pool's endpoint source beyond its static endpoints: the EndpointPickerConfig's
     * {@code dataLayer.discovery} plugin first (as llm-d), else {@code discovery.source}.
     */
    private static void discover(String pool, String prefix, PoolConfig config,
            EndpointPickerConfigLoader.Loaded loaded, EndpointRegistry registry, PluginRegistry plugins, Vertx vertx,
            Instance<EndpointSourceProvider> providers, EndpointSources sources) {
        PoolConfig.DiscoveryConfig discovery = config.discovery();
        long poll = Math.max(50, discovery.pollInterval().toMillis());
        EndpointDiscovery fromConfig = loaded.dataLayer() == null ? null : loaded.dataLayer().discovery();
        if (fromConfig != null) {
            sources.start(pool, new WatchedEndpointSource(pool, fromConfig, vertx, poll), registry);
            return;
        }
        String source = discovery.source();
        switch (source) {
            case "static" -> {
                // the endpoints properties, already in the registry
            }
            case "file" -> {
                String file = discovery.file().map(Object::toString).orElseThrow(() -> new ConfigException(
                        prefix + ".discovery.file", 0, "file", "discovery.source=file needs the endpoints file"));
                var factory = plugins.find("file-discovery").orElseThrow().factory();
                var params = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("path", file)
                        .put("watchFile", true);
                var plugin = factory.create("file-discovery", params,
                        io.quarkiverse.llmd.engine.framework.plugin.PluginHandle.NONE);
                sources.start(pool, new WatchedEndpointSource(pool, (EndpointDiscovery) plugin, vertx, poll),
                        registry);
            }
            case "inference-pool", "endpoint-selector", "llm-inference-service" -> {
                for (EndpointSourceProvider p : providers) {
                    if (p.supports(source)) {
                        sources.start(pool, p.create(pool, discovery), registry);
                        return;
                    }
                }
                LOG.warnf("pool %s: discovery source %s needs Kubernetes discovery, which is not on the classpath;"
                        + " the pool has only its static endpoints (%d)", pool, source, registry.endpoints().size());
            }
            default -> throw new ConfigException(prefix + ".discovery.source", 0, "source", "unknown source '"
                    + source + "'; expected one of static, file, inference-pool, endpoint-selector, "
                    + "llm-inference-service");
        }
    }

    /** The pool's scraping, from its EndpointPickerConfig's {@code dataLayer.sources}. */
    private static void scrape(PoolScrapeSettings scrape, String pool, String prefix, LlmdConfig config,
            EndpointPickerConfigLoader.Loaded loaded) {
        scrape.configure(pool, prefix, loaded.config(), loaded.dataLayer(), config.dataLayer().metricsPath(),
                config.dataLayer().refreshInterval());
    }

    /** With named pools, the flat properties form a pool only when they say something of their own. */
    static boolean defaultPoolActive(LlmdConfig config) {
        return !config.endpoints().isEmpty() || config.models().isPresent()
                || !"static".equals(config.discovery().source());
    }

    private static Map<String, Integer> priorities(PoolConfig config) {
        Map<String, Integer> priorities = new TreeMap<>();
        config.objectives().forEach((name, objective) -> priorities.put(name, objective.priority()));
        return priorities;
    }

    /** Observers and flow control, the same for every pool. */
    private static void configure(RequestPipeline pipeline, String prefix, PoolConfig pool, LlmdConfig config,
            EndpointPickerConfigLoader.Loaded loaded, SaturationProbe probe, Vertx vertx,
            Instance<DecisionObserver> observers, Instance<RequestObserver> requestObservers) {
        pipeline.useModelRewrites(pool.modelRewrites());
        observeAndControlFlow(pipeline, pool, loaded, probe, vertx, observers, requestObservers);
    }

    /** Observers, and flow control with the knobs of {@code pool}: the same for every pool, declared or added. */
    static void observeAndControlFlow(RequestPipeline pipeline, PoolConfig pool,
            EndpointPickerConfigLoader.Loaded loaded, SaturationProbe probe, Vertx vertx,
            Instance<DecisionObserver> observers, Instance<RequestObserver> requestObservers) {
        for (DecisionObserver o : observers) {
            pipeline.observe(o); // the Dev UI's decision log, an application's own
        }
        for (RequestObserver o : requestObservers) {
            pipeline.observeRequests(o);
        }
        // The loader validated the section even with the gate off, so that a typo fails at startup.
        FlowControlConfig flowControl = loaded.flowControl();
        if (flowControlOn(pool, loaded)) {
            var fc = pool.flowControl();
            pipeline.enableFlowControl(flowControl, probe, vertxTicker(vertx), fc.dispatchInterval(),
                    fc.expiryInterval(), fc.maxDispatchPerCycle(), LlmdProducers::callerContext);
            LOG.infof("Flow control on for pool %s: %d priority band(s), maxRequests %d, maxBytes %d, "
                    + "defaultRequestTTL %s", pipeline.pool(), flowControl.bands().size(), flowControl.maxRequests(),
                    flowControl.maxBytes(), flowControl.defaultRequestTTL());
        }
    }

    /** The gate of the EndpointPickerConfig, the deprecated environment switch, or the explicit override. */
    static boolean flowControlOn(PoolConfig config, EndpointPickerConfigLoader.Loaded loaded) {
        if (config.flowControl().enabled().isPresent()) {
            return config.flowControl().enabled().get();
        }
        return loaded.config().featureGate("flowControl")
                || "true".equalsIgnoreCase(System.getenv("ENABLE_EXPERIMENTAL_FLOW_CONTROL_LAYER"));
    }

    /** Flow control's dispatch cycle on a Vert.x periodic timer (an event loop; the cycle never blocks). */
    static FlowTicker vertxTicker(Vertx vertx) {
        return (periodMillis, tick) -> {
            long id = vertx.setPeriodic(periodMillis, t -> tick.run());
            return () -> vertx.cancelTimer(id);
        };
    }

    /** The Vert.x context of the calling thread, so a queued decision completes on the caller's event loop. */
    static Executor callerContext() {
        Context context = Vertx.currentContext();
        return context == null ? null : task -> context.runOnContext(v -> task.run());
    }

    private static String identifier(java.util.Set<java.lang.annotation.Annotation> qualifiers) {
        for (java.lang.annotation.Annotation q : qualifiers) {
            if (q instanceof Identifier id) {
                return id.value();
            }
        }
        return null;
    }
}
