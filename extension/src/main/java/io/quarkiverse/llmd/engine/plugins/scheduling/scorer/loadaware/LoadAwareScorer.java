package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loadaware;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code load-aware-scorer}: scores the waiting queue against a fixed threshold {@code T} rather than against the
 * other candidates: an empty queue scores 0.5, a queue {@code q > 0} scores {@code 0.5 * (1 - min(q, T) / T)}, so a
 * queue at or above {@code T} scores 0. The scale tops out at 0.5 on purpose (as in llm-d): an idle endpoint is
 * "fine", not a strong preference that would drown the affinity scorers.
 */
public final class LoadAwareScorer implements Scorer {

    public static final String TYPE = "load-aware-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new LoadAwareScorer(name,
            Parameters.decode(parameters, Params.class).threshold());

    /**
     * @param threshold queue length at which the score reaches 0; default 128, must be > 0
     */
    public record Params(Integer threshold) {

        public static final int DEFAULT_THRESHOLD = 128;

        public Params {
            if (threshold == null) {
                threshold = DEFAULT_THRESHOLD;
            }
            if (threshold <= 0) {
                throw new PluginConfigException("threshold", "threshold must be > 0, got " + threshold);
            }
        }
    }

    private final TypedName typedName;
    private final double threshold;

    public LoadAwareScorer(String name, int threshold) {
        this.typedName = new TypedName(TYPE, name);
        this.threshold = threshold;
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
            int q = endpoints.get(i).metrics().waitingQueueSize();
            // A negative queue (broken scrape) counts as empty rather than scoring above 0.5.
            scores[i] = q <= 0 ? 0.5 : 0.5 * (1.0 - Math.min(q, threshold) / threshold);
        }
    }
}
