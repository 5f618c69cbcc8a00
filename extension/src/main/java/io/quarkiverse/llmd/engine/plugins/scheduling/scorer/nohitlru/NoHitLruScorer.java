package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.nohitlru;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointLifecycle;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code no-hit-lru-scorer}: spreads cold requests (no candidate holds any of the prompt in its prefix cache) over
 * the endpoints that have gone longest without one, because a cold request fills its endpoint's KV cache with new
 * blocks and spreading them evens out cache growth.
 * <ul>
 * <li>Some candidate has a prefix hit ({@link DataKeys#PREFIX_CACHE_MATCH}): every endpoint scores 0.5, leaving the
 * choice to the affinity scorers.</li>
 * <li>Cold request, one candidate: 1.0.</li>
 * <li>Cold request, {@code n > 1} candidates: candidates get a rank, never-used ones first (in candidate order), then
 * the used ones from least to most recently used; rank {@code i} scores {@code 1 - i / (n - 1)}.</li>
 * </ul>
 * As a pre-request hook it moves the primary profile's target, and the target of a profile named {@code prefill}
 * when there is one, to the most-recently-used end, but only for cold requests: warm requests do not grow caches.
 * <p>
 * Unlike llm-d, used endpoints are ranked among the candidates rather than by their position in the whole LRU, so
 * entries for endpoints outside the candidate set (other roles, deleted pods) do not push every used candidate to 0.
 * <p>
 * Thread-safe: the LRU is shared by all requests and guarded by its own lock, held only for map operations.
 */
public final class NoHitLruScorer implements EndpointLifecycle, Scorer, PreRequest, DataConsumer {

    public static final String TYPE = "no-hit-lru-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new NoHitLruScorer(name,
            Parameters.decode(parameters, Params.class).lruSize());

    /** The profile whose target also counts as used, as in llm-d (fixed name there too). */
    public static final String PREFILL_PROFILE = "prefill";

    /**
     * @param prefixPluginType deprecated in llm-d and never used there; accepted so that older configurations load
     * @param prefixPluginName deprecated in llm-d and never used there; accepted so that older configurations load
     * @param prefixMatchInfoProducerName names the producer of the prefix match in llm-d; accepted and ignored, this
     *        implementation has a single {@link DataKeys#PREFIX_CACHE_MATCH} per request
     * @param lruSize how many endpoints the LRU remembers; default 1024, must be > 0
     */
    public record Params(String prefixPluginType, String prefixPluginName, String prefixMatchInfoProducerName,
            Integer lruSize) {

        public static final int DEFAULT_LRU_SIZE = 1024;

        public Params {
            if (prefixPluginType == null) {
                prefixPluginType = "prefix-cache-scorer";
            }
            if (prefixPluginName == null) {
                prefixPluginName = prefixPluginType;
            }
            if (lruSize == null) {
                lruSize = DEFAULT_LRU_SIZE;
            }
            if (lruSize <= 0) {
                throw new PluginConfigException("lruSize", "lruSize must be > 0, got " + lruSize);
            }
        }
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.PREFIX_CACHE_MATCH);

    private final TypedName typedName;
    /** Whether this instance's last scoring of the request found it cold; read by {@link #preRequest}. */
    private final DataKey<Boolean> coldKey;
    private final int lruSize;
    /** Endpoint name to the stamp of its last cold request; insertion order is LRU order (eldest first). */
    private final LinkedHashMap<String, Long> lru;
    private long clock;

    public NoHitLruScorer(String name, int lruSize) {
        this.typedName = new TypedName(TYPE, name);
        this.coldKey = DataKey.of("NoHitLruCold[" + name + "]", Boolean.class, null);
        this.lruSize = lruSize;
        this.lru = new LinkedHashMap<>(Math.min(lruSize, 64) * 2) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > NoHitLruScorer.this.lruSize;
            }
        };
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.DISTRIBUTION;
    }

    @Override
    public Set<DataKey<?>> consumes() {
        return CONSUMES;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        int n = endpoints.size();
        PrefixCacheMatchInfo match = context.get(DataKeys.PREFIX_CACHE_MATCH);
        boolean cold = match == null || !match.anyMatch(endpoints);
        context.put(coldKey, cold);
        if (!cold) {
            Arrays.fill(scores, 0, n, 0.5);
            return;
        }
        if (n == 1) {
            scores[0] = 1.0;
            return;
        }
        // Stamps of the used candidates (0 = never used); stamps are unique, so a sorted copy gives LRU ranks.
        long[] stamps = new long[n];
        int used = 0;
        synchronized (lru) {
            for (int i = 0; i < n; i++) {
                Long stamp = lru.get(endpoints.get(i).name());
                if (stamp != null) {
                    stamps[i] = stamp;
                    used++;
                }
            }
        }
        long[] usedOrder = new long[used];
        int u = 0;
        for (int i = 0; i < n; i++) {
            if (stamps[i] != 0) {
                usedOrder[u++] = stamps[i];
            }
        }
        Arrays.sort(usedOrder);
        int neverUsed = n - used;
        int neverUsedSeen = 0;
        double denominator = n - 1;
        for (int i = 0; i < n; i++) {
            int rank = stamps[i] == 0 ? neverUsedSeen++ : neverUsed + Arrays.binarySearch(usedOrder, stamps[i]);
            scores[i] = 1.0 - rank / denominator;
        }
    }

    @Override
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        if (!Boolean.TRUE.equals(context.get(coldKey)) || !result.succeeded()) {
            return;
        }
        touch(result.primary());
        if (!PREFILL_PROFILE.equals(result.primaryProfileName())) {
            touch(result.profile(PREFILL_PROFILE));
        }
    }

    private void touch(ProfileRunResult profile) {
        if (profile == null) {
            return;
        }
        String name = profile.primary().name();
        synchronized (lru) {
            // Remove first: re-putting an existing key keeps its old position in insertion order.
            lru.remove(name);
            lru.put(name, ++clock);
        }
    }

    /** Drops a deleted endpoint from the LRU. */
    @Override
    public void endpointRemoved(String endpointName) {
        forget(endpointName);
    }

    /** Same as {@link #endpointRemoved}. */
    public void forget(String endpointName) {
        synchronized (lru) {
            lru.remove(endpointName);
        }
    }

    /** Remembered endpoints, least recently used first; for tests and debugging. */
    public List<String> lruOrder() {
        synchronized (lru) {
            return List.copyOf(lru.keySet());
        }
    }
}
