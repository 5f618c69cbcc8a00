package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.prefix;

import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code prefix-cache-scorer}: the share of the request's prefix blocks an endpoint is believed to hold,
 * {@code matchBlocks / totalBlocks} from {@link DataKeys#PREFIX_CACHE_MATCH}; 0 when that data is missing or the
 * request formed no block. Consuming the key makes the configuration loader add an
 * {@code approx-prefix-cache-producer} when none is configured.
 * <p>
 * Like current llm-d, it takes no parameters of its own and <b>ignores any it is given</b> (older configurations
 * put block size and LRU capacity here; configure {@code approx-prefix-cache-producer} instead).
 */
public final class PrefixCacheScorer implements Scorer, DataConsumer {

    public static final String TYPE = "prefix-cache-scorer";
    /** Accepts any parameters and ignores them, as llm-d does. */
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new PrefixCacheScorer(name);

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.PREFIX_CACHE_MATCH);

    private final TypedName typedName;

    public PrefixCacheScorer(String name) {
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
    public Set<DataKey<?>> consumes() {
        return CONSUMES;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        PrefixCacheMatchInfo info = context.get(DataKeys.PREFIX_CACHE_MATCH);
        if (info == null) {
            return;
        }
        int total = info.totalBlocks();
        if (total <= 0) {
            return;
        }
        double inverse = 1.0 / total;
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            int blocks = info.matchBlocks(endpoints.get(i));
            scores[i] = blocks <= 0 ? 0.0 : Math.min(1.0, blocks * inverse);
        }
    }
}
