package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.kvcacheutilization;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code kv-cache-utilization-scorer}: prefers endpoints with free KV cache, {@code 1 - kvCacheUsage} (usage as a
 * fraction in [0, 1]). Not normalised over the candidates: an all-full pool scores near 0 everywhere, so the other
 * scorers decide. Out-of-range or NaN usage is left to the framework's clamp (NaN scores 0).
 */
public final class KvCacheUtilizationScorer implements Scorer {

    public static final String TYPE = "kv-cache-utilization-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new KvCacheUtilizationScorer(name);
    };

    private final TypedName typedName;

    public KvCacheUtilizationScorer(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.BALANCE;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            scores[i] = 1.0 - endpoints.get(i).metrics().kvCacheUsage();
        }
    }
}
