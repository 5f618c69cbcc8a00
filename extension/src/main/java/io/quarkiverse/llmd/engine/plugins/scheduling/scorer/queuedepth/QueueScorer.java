package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.queuedepth;

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
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.MinMaxScores;

/**
 * {@code queue-scorer}: prefers endpoints with fewer waiting requests, min-max normalised over the candidates:
 * {@code (maxQ - q) / (maxQ - minQ)}; all equal scores 1.
 */
public final class QueueScorer implements Scorer {

    public static final String TYPE = "queue-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new QueueScorer(name);
    };

    private final TypedName typedName;

    public QueueScorer(String name) {
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
        MinMaxScores.fewerIsBetter(endpoints, scores, EndpointMetrics::waitingQueueSize);
    }
}
