package io.quarkiverse.llmd.runtime;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.MetricsConfig;
import io.quarkiverse.llmd.runtime.datalayer.EndpointRegistry;
import io.quarkiverse.llmd.runtime.director.Admission;
import io.quarkiverse.llmd.runtime.director.DecisionObserver;
import io.quarkiverse.llmd.runtime.director.FlowTicker;
import io.quarkiverse.llmd.runtime.director.RequestDirector;
import io.quarkiverse.llmd.runtime.director.SaturationProbe;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;
import io.quarkus.arc.DefaultBean;
import io.smallrye.common.annotation.Identifier;
import io.micrometer.core.instrument.MeterRegistry;
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
    PluginRegistry pluginRegistry(@Any Instance<PluginFactory> factories, @Any Instance<Plugin> plugins) {
        PluginRegistry registry = BuiltInPlugins.registry();
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
    EndpointPickerConfigLoader.Loaded endpointPickerConfig(LlmdConfig config, PluginRegistry registry) {
        EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(registry);
        if (config.configFile().isPresent() && config.configText().isPresent()) {
            throw new ConfigException("quarkus.llmd", 0, "config-file",
                    "config-file and config-text are mutually exclusive, as --config-file and --config-text are");
        }
        EndpointPickerConfigLoader.Loaded loaded;
        if (config.configFile().isPresent()) {
            loaded = loader.load(config.configFile().get());
        } else if (config.configText().isPresent()) {
            loaded = loader.load("quarkus.llmd.config-text", config.configText().get());
        } else {
            loaded = loader.loadDefault();
        }
        for (String warning : loaded.warnings()) {
            LOG.warn(warning);
        }
        LOG.infof("EndpointPickerConfig: profiles %s, plugins %s", loaded.scheduler().profiles().keySet(),
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
        List<Endpoint> endpoints = new ArrayList<>();
        for (Map.Entry<String, LlmdConfig.EndpointConfig> e : new TreeMap<>(config.endpoints()).entrySet()) {
            endpoints.add(Endpoint.of(e.getKey(), e.getValue().address(), e.getValue().labels()));
        }
        registry.replaceAll(endpoints);
        return registry;
    }

    /** The EPP's meters, registered with Micrometer (exposed on /q/metrics and on the llm-d metrics port). */
    @Produces
    @Singleton
    @DefaultBean
    EppMetrics eppMetrics(LlmdConfig config, Instance<MeterRegistry> meterRegistry, EndpointRegistry registry) {
        if (!config.metrics().enabled() || !meterRegistry.isResolvable()) {
            return EppMetrics.NOOP;
        }
        MetricsConfig m = config.metrics();
        // Known models (served by the pools) are not capped; wire them with Options.withKnownModels.
        return new EppMetrics(meterRegistry.get(), m.poolName(), registry, new EppMetrics.Options(
                m.modelLabelLimit(), m.fairnessIdLabelLimit(), m.labelSetLimit(), m.legacyNames(), null));
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
    RequestDirector requestDirector(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            LlmdConfig config, EndpointPickerConfigLoader.Loaded loaded, SaturationProbe probe, EppMetrics metrics,
            Vertx vertx, Instance<DecisionObserver> observers) {
        Map<String, Integer> priorities = new TreeMap<>();
        config.objectives().forEach((name, objective) -> priorities.put(name, objective.priority()));
        RequestDirector director = new RequestDirector(scheduler, registry, admission, priorities, Clock.systemUTC(),
                metrics, System::nanoTime);
        if (observers.isResolvable()) {
            director.observe(observers.get()); // the Dev UI's decision log, in dev mode
        }
        // The section is validated even with the gate off, so that a typo fails at startup, not when switched on.
        String source = config.configFile().map(Object::toString).orElse("quarkus.llmd.config-text");
        FlowControlConfig flowControl = FlowControlConfig.parse(source, loaded.config().flowControl(),
                scheduler.plugins()::get);
        if (flowControlOn(config, loaded)) {
            var fc = config.flowControl();
            director.enableFlowControl(flowControl, probe, vertxTicker(vertx), fc.dispatchInterval(),
                    fc.expiryInterval(), fc.maxDispatchPerCycle(), LlmdProducers::callerContext);
            LOG.infof("Flow control on: %d priority band(s), maxRequests %d, maxBytes %d, defaultRequestTTL %s",
                    flowControl.bands().size(), flowControl.maxRequests(), flowControl.maxBytes(),
                    flowControl.defaultRequestTTL());
        }
        return director;
    }

    /** The gate of the EndpointPickerConfig, the deprecated environment switch, or the explicit override. */
    static boolean flowControlOn(LlmdConfig config, EndpointPickerConfigLoader.Loaded loaded) {
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
