package io.quarkiverse.llmd.engine.plugins;

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
 * the saturation detectors. {@code queue-scorer} is registered by {@link BuiltInPlugins} itself.
 */
public final class LoadPlugins {

    private LoadPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(RunningRequestsScorer.TYPE, RunningRequestsScorer.FACTORY);
        registry.register(KvCacheUtilizationScorer.TYPE, KvCacheUtilizationScorer.FACTORY);
        registry.register(LoraAffinityScorer.TYPE, LoraAffinityScorer.FACTORY);
        registry.register(LoadAwareScorer.TYPE, LoadAwareScorer.FACTORY);
        registry.register(ActiveRequestScorer.TYPE, ActiveRequestScorer.FACTORY);
        registry.register(TokenLoadScorer.TYPE, TokenLoadScorer.FACTORY);
        registry.register(NoHitLruScorer.TYPE, NoHitLruScorer.FACTORY);
        registry.register(SessionAffinityScorer.TYPE, SessionAffinityScorer.FACTORY);
        registry.register(InFlightLoadProducer.TYPE, InFlightLoadProducer.FACTORY);
        registry.register(UtilizationDetector.TYPE, UtilizationDetector.FACTORY);
        registry.register(ConcurrencyDetector.TYPE, ConcurrencyDetector.FACTORY);
    }
}
