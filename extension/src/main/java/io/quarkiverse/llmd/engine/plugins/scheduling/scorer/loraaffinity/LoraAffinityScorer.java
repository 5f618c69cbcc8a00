package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loraaffinity;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code lora-affinity-scorer}: prefers endpoints that already run the request's LoRA adapter (the request's target
 * model), then those with a free adapter slot, then those where the adapter is already queued for loading:
 * <ul>
 * <li>target model active: 1.0</li>
 * <li>else {@code |active| + |waiting| < maxActiveModels}: 0.8 (loading it does not evict another adapter)</li>
 * <li>else target model waiting: 0.6</li>
 * <li>else 0</li>
 * </ul>
 * An endpoint that reports no {@code max_lora} (0) therefore never gets the free-slot score.
 */
public final class LoraAffinityScorer implements Scorer {

    public static final String TYPE = "lora-affinity-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new LoraAffinityScorer(name);
    };

    static final double ACTIVE = 1.0;
    static final double FREE_SLOT = 0.8;
    static final double WAITING = 0.6;

    private final TypedName typedName;

    public LoraAffinityScorer(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        String adapter = context.request().targetModel();
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            scores[i] = score(endpoints.get(i).metrics(), adapter);
        }
    }

    private static double score(EndpointMetrics m, String adapter) {
        if (adapter != null && m.activeModels().contains(adapter)) {
            return ACTIVE;
        }
        if (m.activeModels().size() + m.waitingModels().size() < m.maxActiveModels()) {
            return FREE_SLOT;
        }
        if (adapter != null && m.waitingModels().contains(adapter)) {
            return WAITING;
        }
        return 0.0;
    }
}
