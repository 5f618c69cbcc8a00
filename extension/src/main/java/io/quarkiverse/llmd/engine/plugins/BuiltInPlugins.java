package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.framework.plugin.Stability.BETA;

import io.quarkiverse.llmd.engine.flowcontrol.FlowControlPolicies;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.requesthandling.parser.openai.OpenAiParser;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.maxscore.MaxScorePicker;
import io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.single.SingleProfileHandler;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.queuedepth.QueueScorer;

/**
 * The built-in plugin types, under their llm-d type names, with llm-d v0.10's stability levels (its
 * {@code cmd/epp/runner/runner.go}): every built-in type is Beta there, except {@code session-affinity-scorer}
 * (Alpha), and so here.
 */
public final class BuiltInPlugins {

    private BuiltInPlugins() {
    }

    /** A new registry holding every built-in type; add your own types to it before loading a config. */
    public static PluginRegistry registry() {
        PluginRegistry registry = new PluginRegistry();
        RoutingPlugins.register(registry);
        registry.register(SingleProfileHandler.TYPE, BETA, SingleProfileHandler.FACTORY);
        registry.register(MaxScorePicker.TYPE, BETA, MaxScorePicker.FACTORY);
        registry.register(QueueScorer.TYPE, BETA, QueueScorer.FACTORY);
        LoadPlugins.register(registry);
        PrefixPlugins.register(registry);
        DataLayerPlugins.register(registry);
        registry.register(OpenAiParser.TYPE, BETA, OpenAiParser.FACTORY);
        FlowControlPolicies.register(registry);
        return registry;
    }
}
