package io.quarkiverse.llmd.benchmarks.sim;

import java.nio.file.Path;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer.TokenProducer;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/** Loads EndpointPickerConfigs with the built-in plugins plus the benchmark-only ones ({@code round-robin-picker}). */
public final class SchedulerConfigs {

    private SchedulerConfigs() {
    }

    public static PluginRegistry registry() {
        return FlowControlPolicies.register(BuiltInPlugins.registry()).register(RoundRobinPicker.TYPE,
                RoundRobinPicker.FACTORY);
    }

    /**
     * The simulator's registry for one gateway replica: {@link #registry()} with {@code token-producer} rendering
     * through the simulated model server ({@link SimTokenProducer}) and {@code precise-prefix-cache-producer} taking
     * its index from {@code indexes} (one shared index for all replicas, or one per replica), the way the runtime
     * substitutes its own factories for the backends the engine does not have.
     */
    public static PluginRegistry registry(SimTokenProducer.Renderer renderer, PreciseIndexes indexes) {
        PluginFactory tokens = SimTokenProducer.factory(renderer);
        PluginRegistry base = registry();
        PluginRegistry out = new PluginRegistry();
        for (PluginRegistry.Registration r : base.registrations()) {
            PluginFactory f = r.factory();
            if (f == TokenProducer.FACTORY) {
                f = tokens; // the type and its deprecated alias
            } else if (f == PrecisePrefixCacheProducer.FACTORY) {
                f = indexes.factory();
            }
            if (r.deprecated()) {
                out.registerDeprecated(r.type(), r.stability(), f, r.deprecatedIn(), r.removalIn(), r.replacement());
            } else {
                out.register(r.type(), r.stability(), f);
            }
        }
        return out;
    }

    /** A fresh scheduler (plugins keep state: prefix index, in-flight counters), so load one per run. */
    public static Scheduler load(Path file) {
        return new EndpointPickerConfigLoader(registry()).load(file).scheduler();
    }

    /** The whole configuration (scheduler, saturation detector, flow control), loaded afresh for one run. */
    public static EndpointPickerConfigLoader.Loaded loadConfig(Path file) {
        return new EndpointPickerConfigLoader(registry()).load(file);
    }

    public static EndpointPickerConfigLoader.Loaded loadConfig(String source, String yaml) {
        return new EndpointPickerConfigLoader(registry()).load(source, yaml);
    }

    public static Scheduler load(String source, String yaml) {
        return new EndpointPickerConfigLoader(registry()).load(source, yaml).scheduler();
    }

    /** The scheduler's name in reports: the file name without extension. */
    public static String nameOf(Path file) {
        return file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    }
}
