package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.framework.plugin.Stability.BETA;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer.TokenProducer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.preciseprefix.PrecisePrefixCacheScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.prefix.PrefixCacheScorer;

/**
 * The prefix-cache plugins: {@code approx-prefix-cache-producer}, {@code prefix-cache-scorer}, and the precise
 * pipeline's {@code token-producer} (estimate backend) and {@code precise-prefix-cache-producer}, and the deprecated
 * {@code precise-prefix-cache-scorer} that runs that pipeline inside one plugin; all Beta as in llm-d.
 */
public final class PrefixPlugins {

    private PrefixPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(ApproxPrefixCacheProducer.TYPE, BETA, ApproxPrefixCacheProducer.FACTORY);
        registry.register(PrefixCacheScorer.TYPE, BETA, PrefixCacheScorer.FACTORY);
        registry.register(TokenProducer.TYPE, BETA, TokenProducer.FACTORY);
        registry.registerAlias(TokenProducer.DEPRECATED_TYPE, TokenProducer.TYPE);
        registry.register(PrecisePrefixCacheProducer.TYPE, BETA, PrecisePrefixCacheProducer.FACTORY);
        // llm-d v0.10 deprecates it for the three-plugin pipeline (reference llm-d-v0.10-deltas.md 1.6)
        registry.registerDeprecated(PrecisePrefixCacheScorer.TYPE, BETA, PrecisePrefixCacheScorer.FACTORY, "v0.10.0",
                null, PrecisePrefixCacheProducer.TYPE);
    }
}
