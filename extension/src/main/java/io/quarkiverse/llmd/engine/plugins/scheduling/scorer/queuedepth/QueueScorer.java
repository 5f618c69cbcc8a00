package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.queuedepth;

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
        int n = endpoints.size();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            int q = endpoints.get(i).metrics().waitingQueueSize();
            min = Math.min(min, q);
            max = Math.max(max, q);
        }
        if (max == min) {
            java.util.Arrays.fill(scores, 0, n, 1.0);
            return;
        }
        double range = max - min;
        for (int i = 0; i < n; i++) {
            scores[i] = (max - endpoints.get(i).metrics().waitingQueueSize()) / range;
        }
    }
}
