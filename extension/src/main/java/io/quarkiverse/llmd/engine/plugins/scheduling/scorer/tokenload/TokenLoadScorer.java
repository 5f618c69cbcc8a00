package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.tokenload;

import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code token-load-scorer}: prefers endpoints with fewer estimated tokens in flight
 * ({@link DataKeys#IN_FLIGHT_LOAD}): {@code 1 - min(1, inflightTokens / queueThresholdTokens)}. Tokens weigh long
 * prompts more than a request count does. Against a fixed threshold, not normalised over the candidates.
 */
public final class TokenLoadScorer implements Scorer, DataConsumer {

    public static final String TYPE = "token-load-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new TokenLoadScorer(name,
            Parameters.decode(parameters, Params.class).queueThresholdTokens());

    /**
     * @param queueThresholdTokens in-flight tokens at which the score reaches 0; default 4,194,304, must be > 0
     */
    public record Params(Long queueThresholdTokens) {

        public static final long DEFAULT_QUEUE_THRESHOLD_TOKENS = 4_194_304L;

        public Params {
            if (queueThresholdTokens == null) {
                queueThresholdTokens = DEFAULT_QUEUE_THRESHOLD_TOKENS;
            }
            if (queueThresholdTokens <= 0) {
                throw new PluginConfigException("queueThresholdTokens", "queueThresholdTokens must be > 0, got "
                        + queueThresholdTokens);
            }
        }
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.IN_FLIGHT_LOAD);

    private final TypedName typedName;
    private final double queueThresholdTokens;

    public TokenLoadScorer(String name, long queueThresholdTokens) {
        this.typedName = new TypedName(TYPE, name);
        this.queueThresholdTokens = queueThresholdTokens;
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
    public Set<DataKey<?>> consumes() {
        return CONSUMES;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        InFlightLoad load = context.get(DataKeys.IN_FLIGHT_LOAD);
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            long tokens = load == null ? 0 : load.tokens(endpoints.get(i));
            scores[i] = 1.0 - Math.min(1.0, tokens / queueThresholdTokens);
        }
    }
}
