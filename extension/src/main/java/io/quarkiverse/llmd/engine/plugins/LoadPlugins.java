package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.framework.plugin.Stability.ALPHA;
import static io.quarkiverse.llmd.engine.framework.plugin.Stability.BETA;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency.ConcurrencyDetector;
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.utilization.UtilizationDetector;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.activerequest.ActiveRequestScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.kvcacheutilization.KvCacheUtilizationScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loadaware.LoadAwareScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loraaffinity.LoraAffinityScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.nohitlru.NoHitLruScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.runningrequests.RunningRequestsScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.sessionaffinity.SessionAffinityScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.tokenload.TokenLoadScorer;

/**
 * The load, affinity and saturation plugins: metric- and in-flight-based scorers, the in-flight load producer and
 * the saturation detectors. {@code queue-scorer} is registered by {@link BuiltInPlugins} itself. All Beta as in llm-d
 * v0.10, except {@code session-affinity-scorer}, which llm-d ships as Alpha.
 */
public final class LoadPlugins {

    private LoadPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(RunningRequestsScorer.TYPE, BETA, RunningRequestsScorer.FACTORY);
        registry.register(KvCacheUtilizationScorer.TYPE, BETA, KvCacheUtilizationScorer.FACTORY);
        registry.register(LoraAffinityScorer.TYPE, BETA, LoraAffinityScorer.FACTORY);
        registry.register(LoadAwareScorer.TYPE, BETA, LoadAwareScorer.FACTORY);
        registry.register(ActiveRequestScorer.TYPE, BETA, ActiveRequestScorer.FACTORY);
        registry.register(TokenLoadScorer.TYPE, BETA, TokenLoadScorer.FACTORY);
        registry.register(NoHitLruScorer.TYPE, BETA, NoHitLruScorer.FACTORY);
        registry.register(SessionAffinityScorer.TYPE, ALPHA, SessionAffinityScorer.FACTORY);
        registry.register(InFlightLoadProducer.TYPE, BETA, InFlightLoadProducer.FACTORY);
        registry.register(UtilizationDetector.TYPE, BETA, UtilizationDetector.FACTORY);
        registry.register(ConcurrencyDetector.TYPE, BETA, ConcurrencyDetector.FACTORY);
    }
}
