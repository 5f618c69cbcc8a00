package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.runningrequests;

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
 * {@code running-requests-size-scorer}: prefers endpoints with a smaller running batch, min-max normalised over the
 * candidates like {@code queue-scorer}: {@code (maxR - r) / (maxR - minR)}; all equal scores 1.
 */
public final class RunningRequestsScorer implements Scorer {

    public static final String TYPE = "running-requests-size-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new RunningRequestsScorer(name);
    };

    private final TypedName typedName;

    public RunningRequestsScorer(String name) {
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
        MinMaxScores.fewerIsBetter(endpoints, scores, EndpointMetrics::runningRequestsSize);
    }
}
