package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.preciseprefix;

import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.datalayer.KvEventConsumer;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventSettings;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheParameters;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheParameters.Resolved;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.prefix.PrefixCacheScorer;

/**
 * {@code precise-prefix-cache-scorer}, deprecated in llm-d: the old single plugin, kept loadable by running the
 * current pipeline inside it. Its parameters are those of {@code precise-prefix-cache-producer}; it produces the
 * match with an inner producer and scores it like {@code prefix-cache-scorer} ({@code matchBlocks / totalBlocks}).
 * It consumes the prompt's tokens, so the loader adds a {@code token-producer} when none is declared, and the
 * registry marks the type deprecated, so loading it warns. The runtime feeds the inner producer's index with KV
 * events through the {@link KvEventConsumer} contract.
 */
public final class PrecisePrefixCacheScorer implements Scorer, DataProducer, DataConsumer, KvEventConsumer,
        PreRequest {

    public static final String TYPE = "precise-prefix-cache-scorer";

    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Resolved config = Parameters.decode(parameters, PrecisePrefixCacheParameters.class).resolve();
        return new PrecisePrefixCacheScorer(name, new PrecisePrefixCacheProducer(name, config,
                handle.kvBlockIndexes().create(name, config.backend(), config.index())));
    };

    private final TypedName typedName;
    private final PrecisePrefixCacheProducer producer;
    private final PrefixCacheScorer scorer;

    public PrecisePrefixCacheScorer(String name, PrecisePrefixCacheProducer producer) {
        this.typedName = new TypedName(TYPE, name);
        this.producer = producer;
        this.scorer = new PrefixCacheScorer(name, PrefixCacheScorer.Params.DEFAULTS, producer.matchKey());
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    /** The producer inside, whose index the runtime's KV-event subscriber feeds. */
    public PrecisePrefixCacheProducer producer() {
        return producer;
    }

    @Override
    public KvEventSettings kvEventSettings() {
        return producer.kvEventSettings();
    }

    @Override
    public KvBlockIndex index() {
        return producer.index();
    }

    @Override
    public BlockKeyHasher newHasher() {
        return producer.newHasher();
    }

    @Override
    public Set<DataKey<?>> produces() {
        return producer.produces();
    }

    @Override
    public Set<DataKey<?>> consumes() {
        return producer.consumes();
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        producer.produce(context, candidates);
    }

    /** The inner producer's speculative entries ({@code speculativeIndexing}). */
    @Override
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        producer.preRequest(context, result);
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        scorer.score(context, endpoints, scores);
    }
}
