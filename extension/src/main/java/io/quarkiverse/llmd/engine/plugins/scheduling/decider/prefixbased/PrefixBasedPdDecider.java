package io.quarkiverse.llmd.engine.plugins.scheduling.decider.prefixbased;

import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.PdDecider;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * {@code prefix-based-pd-decider}: sends the prefill to a prefill pod only when the decode pod would have to compute
 * at least {@code nonCachedTokens} prompt tokens itself. With {@code inputTokens} the request's estimated input
 * tokens and {@code cached = matchBlocks(decode pod) * blockSizeTokens} from the request's PrefixCacheMatchInfo, it
 * disaggregates iff {@code inputTokens >= nonCachedTokens} and {@code inputTokens - cached >= nonCachedTokens}.
 * {@code nonCachedTokens: 0} never disaggregates; without prefix information it does not either (a remote prefill
 * is only worth its KV transfer when it is known to save work).
 */
public final class PrefixBasedPdDecider implements PdDecider, DataConsumer {

    public static final String TYPE = "prefix-based-pd-decider";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new PrefixBasedPdDecider(name,
            Parameters.decode(parameters, PrefixBasedParameters.class).nonCachedTokens());

    /** @param nonCachedTokens uncached prompt tokens from which a remote prefill pays off; default 0 (never) */
    public record PrefixBasedParameters(Integer nonCachedTokens) {

        public PrefixBasedParameters {
            if (nonCachedTokens == null) {
                nonCachedTokens = 0;
            }
            if (nonCachedTokens < 0) {
                throw new PluginConfigException("nonCachedTokens", "nonCachedTokens must be >= 0, got "
                        + nonCachedTokens);
            }
        }
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.PREFIX_CACHE_MATCH);

    private final TypedName typedName;
    private final int nonCachedTokens;

    public PrefixBasedPdDecider(String name, int nonCachedTokens) {
        this.typedName = new TypedName(TYPE, name);
        this.nonCachedTokens = nonCachedTokens;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public int nonCachedTokens() {
        return nonCachedTokens;
    }

    @Override
    public Set<DataKey<?>> consumes() {
        return CONSUMES;
    }

    @Override
    public boolean disaggregate(SchedulingContext context, Endpoint decodeTarget) {
        if (nonCachedTokens <= 0) {
            return false;
        }
        long inputTokens = context.request().estimatedInputTokens();
        if (inputTokens < nonCachedTokens) {
            return false;
        }
        PrefixCacheMatchInfo match = context.get(DataKeys.PREFIX_CACHE_MATCH);
        if (match == null) {
            return false;
        }
        long cached = (long) match.matchBlocks(decodeTarget) * match.blockSizeTokens();
        return inputTokens - cached >= nonCachedTokens;
    }
}
