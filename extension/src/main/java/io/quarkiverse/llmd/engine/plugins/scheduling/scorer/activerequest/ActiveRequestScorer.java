package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.activerequest;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
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
 * <p>
 * <b>Counts weighed by KV size (our extension, not llm-d's).</b> Equal counts are not equal load in a pool of mixed
 * hardware: an L4 holding as many requests as an H100 serves each of them several times slower, so balancing raw
 * counts fills the small endpoints until their first tokens come late (on the simulated three-class day, the minutes
 * that missed the TTFT SLO on the morning ramp were the L4s' requests, while the H100's and A100's had a p99 of
 * 0.5 s). With {@code scaleByKvCache} an endpoint's count is multiplied by the largest KV size among the candidates
 * over its own ({@link EndpointMetrics#kvCacheTokens()} from {@code vllm:cache_config_info}, as the
 * {@code concurrency-detector}'s parameter of the same name uses it): an endpoint with a tenth of the cache counts
 * each request ten times. An endpoint whose KV size is not known yet counts as the smallest known one, so a pod that
 * has not been scraped is not flooded because it looks empty. A homogeneous pool scores exactly as without the
 * parameter.
 */
public final class ActiveRequestScorer implements Scorer, DataConsumer {

    public static final String TYPE = "active-request-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Params p = Parameters.decode(parameters, Params.class);
        return new ActiveRequestScorer(name, p.idleThreshold(), p.maxBusyScore(), p.scaleByKvCache());
    };

    /**
     * @param idleThreshold in-flight count up to which an endpoint counts as idle; default 0, must be >= 0
     * @param maxBusyScore score ceiling of a busy endpoint; default 1.0, in [0, 1]
     * @param requestTimeout accepted for compatibility with older llm-d configurations and ignored: in-flight counts
     *        are released by the response hooks, which always run, so no timeout-based expiry is needed
     * @param scaleByKvCache ours: weigh each endpoint's count by the largest KV size among the candidates over its
     *        own; default false
     */
    public record Params(Integer idleThreshold, Double maxBusyScore, String requestTimeout, Boolean scaleByKvCache) {

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
            if (scaleByKvCache == null) {
                scaleByKvCache = false;
            }
        }

        /** llm-d's three parameters, without ours. */
        public Params(Integer idleThreshold, Double maxBusyScore, String requestTimeout) {
            this(idleThreshold, maxBusyScore, requestTimeout, null);
        }
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.IN_FLIGHT_LOAD);

    private final TypedName typedName;
    private final int idleThreshold;
    private final double maxBusyScore;
    private final boolean scaleByKvCache;

    public ActiveRequestScorer(String name, int idleThreshold, double maxBusyScore, boolean scaleByKvCache) {
        this.typedName = new TypedName(TYPE, name);
        this.idleThreshold = idleThreshold;
        this.maxBusyScore = maxBusyScore;
        this.scaleByKvCache = scaleByKvCache;
    }

    public ActiveRequestScorer(String name, int idleThreshold, double maxBusyScore) {
        this(name, idleThreshold, maxBusyScore, false);
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
        long largestKv = 0;
        long smallestKv = Long.MAX_VALUE;
        if (scaleByKvCache) {
            for (int i = 0; i < n; i++) {
                long kv = endpoints.get(i).metrics().kvCacheTokens();
                if (kv > 0) {
                    largestKv = Math.max(largestKv, kv);
                    smallestKv = Math.min(smallestKv, kv);
                }
            }
        }
        // scores[] holds each weighed count first, then its score
        double max = 0;
        for (int i = 0; i < n; i++) {
            scores[i] = weighed(load, endpoints.get(i), largestKv, smallestKv);
            max = Math.max(max, scores[i]);
        }
        for (int i = 0; i < n; i++) {
            // max > 0 whenever a count exceeds idleThreshold >= 0 (weights are >= 1), so the division is safe.
            scores[i] = load.requests(endpoints.get(i)) <= idleThreshold ? 1.0 : (max - scores[i]) / max * maxBusyScore;
        }
    }

    /** The endpoint's in-flight count, weighed by {@code largestKv / its KV} when some KV size is known. */
    private static double weighed(InFlightLoad load, Endpoint e, long largestKv, long smallestKv) {
        long count = load.requests(e);
        if (largestKv == 0) {
            return count;
        }
        long kv = e.metrics().kvCacheTokens();
        return (double) count * largestKv / (kv > 0 ? kv : smallestKv);
    }

}
