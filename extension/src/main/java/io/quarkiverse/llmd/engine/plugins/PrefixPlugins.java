package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.framework.plugin.Stability.BETA;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.prefix.PrefixCacheScorer;

/**
 * The approximate prefix-cache plugins: {@code approx-prefix-cache-producer} and {@code prefix-cache-scorer}, both
 * Beta as in llm-d.
 */
public final class PrefixPlugins {

    private PrefixPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(ApproxPrefixCacheProducer.TYPE, BETA, ApproxPrefixCacheProducer.FACTORY);
        registry.register(PrefixCacheScorer.TYPE, BETA, PrefixCacheScorer.FACTORY);
    }
}
