package io.quarkiverse.llmd.engine.plugins;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.maxscore.MaxScorePicker;
import io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.single.SingleProfileHandler;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.queuedepth.QueueScorer;

/** The built-in plugin types, under their llm-d type names. */
public final class BuiltInPlugins {

    private BuiltInPlugins() {
    }

    /** A new registry holding every built-in type; add your own types to it before loading a config. */
    public static PluginRegistry registry() {
        PluginRegistry registry = new PluginRegistry();
        RoutingPlugins.register(registry);
        registry.register(SingleProfileHandler.TYPE, SingleProfileHandler.FACTORY);
        registry.register(MaxScorePicker.TYPE, MaxScorePicker.FACTORY);
        registry.register(QueueScorer.TYPE, QueueScorer.FACTORY);
        LoadPlugins.register(registry);
        PrefixPlugins.register(registry);
        return registry;
    }
}
