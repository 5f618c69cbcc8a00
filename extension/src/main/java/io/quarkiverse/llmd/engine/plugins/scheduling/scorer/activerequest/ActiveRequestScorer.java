package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.activerequest;

import java.util.Arrays;
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
 * {@code active-request-scorer}: prefers endpoints with fewer requests in flight from this scheduler
 * ({@link DataKeys#IN_FLIGHT_LOAD}), which unlike scraped queue lengths is current to the request. With
 * {@code max} the largest count among the candidates: a count {@code <= idleThreshold} scores 1.0, any other count
 * scores {@code (max - count) / max * maxBusyScore}, so the busiest endpoint scores 0 and a busy endpoint never
 * outranks an idle one when {@code maxBusyScore < 1}. Without in-flight data every endpoint counts as idle.
 */
public final class ActiveRequestScorer implements Scorer, DataConsumer {

    public static final String TYPE = "active-request-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Params p = Parameters.decode(parameters, Params.class);
        return new ActiveRequestScorer(name, p.idleThreshold(), p.maxBusyScore());
    };

    /**
     * @param idleThreshold in-flight count up to which an endpoint counts as idle; default 0, must be >= 0
     * @param maxBusyScore score ceiling of a busy endpoint; default 1.0, in [0, 1]
     * @param requestTimeout accepted for compatibility with older llm-d configurations and ignored: in-flight counts
     *        are released by the response hooks, which always run, so no timeout-based expiry is needed
     */
    public record Params(Integer idleThreshold, Double maxBusyScore, String requestTimeout) {

        public Params {
            if (idleThreshold == null) {
                idleThreshold = 0;
            }
            if (idleThreshold < 0) {
                throw new PluginConfigException("idleThreshold", "idleThreshold must be >= 0, got " + idleThreshold);
            }
            if (maxBusyScore == null) {
                maxBusyScore = 1.0;
            }
            Parameters.requireRange("maxBusyScore", maxBusyScore, 0.0, 1.0);
        }
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.IN_FLIGHT_LOAD);

    private final TypedName typedName;
    private final int idleThreshold;
    private final double maxBusyScore;

    public ActiveRequestScorer(String name, int idleThreshold, double maxBusyScore) {
        this.typedName = new TypedName(TYPE, name);
        this.idleThreshold = idleThreshold;
        this.maxBusyScore = maxBusyScore;
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
        int n = endpoints.size();
        InFlightLoad load = context.get(DataKeys.IN_FLIGHT_LOAD);
        if (load == null) {
            Arrays.fill(scores, 0, n, 1.0);
            return;
        }
        long max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, load.requests(endpoints.get(i)));
        }
        for (int i = 0; i < n; i++) {
            long count = load.requests(endpoints.get(i));
            // max > idleThreshold >= 0 whenever a count exceeds the threshold, so the division is safe.
            scores[i] = count <= idleThreshold ? 1.0 : (double) (max - count) / max * maxBusyScore;
        }
    }
}
