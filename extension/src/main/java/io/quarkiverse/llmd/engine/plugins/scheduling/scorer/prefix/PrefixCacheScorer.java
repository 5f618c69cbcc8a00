package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.prefix;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code prefix-cache-scorer}: how much of the request's prefix an endpoint is believed to hold, from the
 * {@link PrefixCacheMatchInfo} of the producer named by {@code prefixMatchInfoProducerName} (default the approximate
 * producer, which the configuration loader adds when it is missing; name {@code precise-prefix-cache-producer}
 * for KV-event-driven matching):
 *
 * <pre>
 * score = w * min(1, matchBlocks * blockSizeTokens / matchLengthScaleTokens)^2 + (1 - w) * matchBlocks / totalBlocks
 * </pre>
 *
 * with {@code w = matchLengthWeight} (default 0, i.e. the plain share of blocks); 0 when the data is missing or the
 * request formed no block.
 * <p>
 * Unlike llm-d, which silently ignores parameters it does not know here, unknown parameters are errors (a typo
 * such as {@code blockSizze} would otherwise pass unnoticed); the approximate-prefix settings that older
 * configurations put here get an error that says where they belong now.
 */
public final class PrefixCacheScorer implements Scorer, DataConsumer {

    public static final String TYPE = "prefix-cache-scorer";
    public static final PluginFactory FACTORY = PrefixCacheScorer::create;

    /** Approximate-producer settings older configurations gave the scorer. */
    private static final Set<String> PRODUCER_PARAMETERS = Set.of("autoTune", "blockSize", "blockSizeTokens",
            "hashBlockSize", "maxPrefixBlocksToMatch", "maxPrefixTokensToMatch", "lruCapacityPerServer");

    /**
     * @param prefixMatchInfoProducerName the plugin whose prefix match is scored; default
     *        {@code approx-prefix-cache-producer}
     * @param matchLengthWeight weight of the absolute matched length against the matched share, in [0, 1];
     *        default 0
     * @param matchLengthScaleTokens matched tokens that count as a full-length match; default 8192, must be &gt; 0
     */
    public record Params(String prefixMatchInfoProducerName, Double matchLengthWeight,
            Integer matchLengthScaleTokens) {

        public static final int DEFAULT_MATCH_LENGTH_SCALE_TOKENS = 8192;

        public Params {
            if (prefixMatchInfoProducerName == null || prefixMatchInfoProducerName.isBlank()) {
                prefixMatchInfoProducerName = DataKeys.PREFIX_CACHE_MATCH.defaultProducerType();
            }
            if (matchLengthWeight == null) {
                matchLengthWeight = 0.0;
            }
            Parameters.requireRange("matchLengthWeight", matchLengthWeight, 0.0, 1.0);
            if (matchLengthScaleTokens == null) {
                matchLengthScaleTokens = DEFAULT_MATCH_LENGTH_SCALE_TOKENS;
            }
            if (matchLengthScaleTokens <= 0) {
                throw new PluginConfigException("matchLengthScaleTokens",
                        "matchLengthScaleTokens must be > 0, got " + matchLengthScaleTokens);
            }
        }

        public static final Params DEFAULTS = new Params(null, null, null);
    }

    private final TypedName typedName;
    private final Params params;
    private final DataKey<PrefixCacheMatchInfo> key;
    private final Set<DataKey<?>> consumes;

    /** A scorer with default parameters, reading the approximate producer's match. */
    public PrefixCacheScorer(String name) {
        this(name, Params.DEFAULTS, DataKeys.PREFIX_CACHE_MATCH);
    }

    /**
     * @param key where the named producer stores its match ({@link DataKeys#PREFIX_CACHE_MATCH} for the
     *        approximate producer)
     */
    public PrefixCacheScorer(String name, Params params, DataKey<PrefixCacheMatchInfo> key) {
        this.typedName = new TypedName(TYPE, name);
        this.params = params;
        this.key = key;
        this.consumes = Set.of(key);
    }

    private static PrefixCacheScorer create(String name, JsonNode parameters, PluginHandle handle) {
        if (parameters != null && parameters.isObject()) {
            for (String legacy : PRODUCER_PARAMETERS) {
                if (parameters.has(legacy)) {
                    throw new PluginConfigException(legacy, "'" + legacy + "' is not a parameter of " + TYPE
                            + " (llm-d ignores it here); set it on approx-prefix-cache-producer");
                }
            }
        }
        Params params = Parameters.decode(parameters, Params.class);
        return new PrefixCacheScorer(name, params, matchKey(params.prefixMatchInfoProducerName(), handle));
    }

    /**
     * The data key the named producer fills: the {@link PrefixCacheMatchInfo} key among what it produces. The
     * default producer may be absent (the loader adds it); any other name must be a configured producer.
     */
    @SuppressWarnings("unchecked")
    static DataKey<PrefixCacheMatchInfo> matchKey(String producerName, PluginHandle handle) {
        Optional<Plugin> plugin = handle.plugin(producerName);
        if (plugin.isEmpty()) {
            if (producerName.equals(DataKeys.PREFIX_CACHE_MATCH.defaultProducerType())) {
                return DataKeys.PREFIX_CACHE_MATCH;
            }
            throw new PluginConfigException("prefixMatchInfoProducerName", "no plugin named '" + producerName
                    + "' is configured");
        }
        if (plugin.get() instanceof DataProducer producer) {
            for (DataKey<?> produced : producer.produces()) {
                if (produced.type() == PrefixCacheMatchInfo.class) {
                    return (DataKey<PrefixCacheMatchInfo>) produced;
                }
            }
        }
        throw new PluginConfigException("prefixMatchInfoProducerName", "plugin '" + producerName + "' ("
                + plugin.get().typedName().type() + ") does not produce a prefix-cache match");
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public Params params() {
        return params;
    }

    /** The data key this scorer reads. */
    public DataKey<PrefixCacheMatchInfo> matchKey() {
        return key;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public Set<DataKey<?>> consumes() {
        return consumes;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        PrefixCacheMatchInfo info = context.get(key);
        if (info == null) {
            return;
        }
        int total = info.totalBlocks();
        if (total <= 0) {
            return;
        }
        double inverse = 1.0 / total;
        double lengthWeight = params.matchLengthWeight();
        double tokensPerBlock = (double) info.blockSizeTokens() / params.matchLengthScaleTokens();
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            int blocks = info.matchBlocks(endpoints.get(i));
            if (blocks <= 0) {
                scores[i] = 0.0;
                continue;
            }
            double share = Math.min(1.0, blocks * inverse);
            if (lengthWeight == 0) {
                scores[i] = share;
            } else {
                double length = Math.min(1.0, blocks * tokensPerBlock);
                scores[i] = lengthWeight * length * length + (1 - lengthWeight) * share;
            }
        }
    }
}
