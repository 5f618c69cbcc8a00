package io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * {@code concurrency-detector}: saturation from this scheduler's own in-flight counts ({@link DataKeys#IN_FLIGHT_LOAD})
 * rather than from scraped metrics, so it reacts to a burst before the next scrape.
 * <ul>
 * <li>Pool saturation: {@code Σ in-flight / Σ capacity} over the candidates, where each endpoint's capacity is
 * {@code maxConcurrency} requests ({@code concurrencyMode: requests}) or {@code maxTokenConcurrency} tokens
 * ({@code tokens}); 1.0 for no candidates.</li>
 * <li>As a filter: keeps endpoints whose in-flight count is below {@code capacity * (1 + headroom)}. It does not fail
 * open: an over-committed pool yields no endpoint and the request is refused (429), which is what the detector is
 * for.</li>
 * </ul>
 * Without in-flight data in the context every endpoint counts as idle. For admission outside a scheduling cycle the
 * caller first runs the {@code inflight-load-producer} (or puts it in the context under
 * {@link DataKeys#IN_FLIGHT_LOAD}).
 * <p>
 * <b>Capacity from the KV cache (our extension, not llm-d's).</b> llm-d gives every endpoint the same capacity, which
 * is wrong for a pool of mixed hardware: an L4 whose KV cache holds a tenth of an H100's would be admitted as much
 * work and queue it. Two opt-in parameters take each endpoint's own KV size, {@code num_gpu_blocks × block_size} from
 * its scraped {@code vllm:cache_config_info} ({@link EndpointMetrics#kvCacheTokens()}):
 * <ul>
 * <li>{@code kvCapacityFraction} ({@code tokens} mode): an endpoint's capacity is that fraction of its KV tokens.
 * The in-flight tokens are estimates of input plus expected output, so the fraction is the share of the cache the
 * gateway may book, not a measured occupancy.</li>
 * <li>{@code scaleByKvCache} ({@code requests} mode): {@code maxConcurrency} stays the capacity of the endpoint with
 * the largest KV cache among those judged, and every other endpoint gets {@code maxConcurrency × its KV / that
 * largest KV}. Relative rather than absolute because a request count has no token size to divide the cache by; the
 * price is that a pool of only small endpoints gets {@code maxConcurrency} each (use {@code tokens} mode for an
 * absolute size). A homogeneous pool behaves exactly as without the parameter.</li>
 * </ul>
 * An endpoint whose KV size is not known yet (never scraped, or an engine without the info metric) keeps the plain
 * capacity. Absent both parameters the detector behaves exactly as llm-d's.
 */
public final class ConcurrencyDetector implements SaturationDetector, Filter, DataConsumer {

    public static final String TYPE = "concurrency-detector";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new ConcurrencyDetector(name,
            Parameters.decode(parameters, Params.class));

    /** What is counted against the capacity. */
    public enum Mode {
        REQUESTS,
        TOKENS
    }

    /**
     * @param concurrencyMode {@code requests} (default) or {@code tokens}
     * @param maxConcurrency requests one endpoint can take; default 100, must be > 0
     * @param maxTokenConcurrency tokens one endpoint can take; default 1,000,000, must be > 0
     * @param headroom fraction by which the filter may exceed the capacity; default 0.0, must be >= 0
     * @param kvCapacityFraction ours, {@code tokens} mode only: an endpoint whose KV size is known can take this
     *        fraction of its KV tokens instead of {@code maxTokenConcurrency}; absent by default (off), else in (0, 10]
     *        (above 1 books more estimated tokens than the cache holds, as the estimate counts output generously)
     * @param scaleByKvCache ours, {@code requests} mode only: scale {@code maxConcurrency} by the endpoint's KV size
     *        relative to the largest KV size among the endpoints judged; default false
     */
    public record Params(String concurrencyMode, Long maxConcurrency, Long maxTokenConcurrency, Double headroom,
            Double kvCapacityFraction, Boolean scaleByKvCache) {

        public static final long DEFAULT_MAX_CONCURRENCY = 100;
        public static final long DEFAULT_MAX_TOKEN_CONCURRENCY = 1_000_000;
        /** Upper bound of {@code kvCapacityFraction}: a typo guard, well above any sane booking ratio. */
        public static final double MAX_KV_CAPACITY_FRACTION = 10.0;

        public Params {
            if (concurrencyMode == null) {
                concurrencyMode = "requests";
            }
            if (!concurrencyMode.equals("requests") && !concurrencyMode.equals("tokens")) {
                throw new PluginConfigException("concurrencyMode", "concurrencyMode must be 'requests' or 'tokens',"
                        + " got '" + concurrencyMode + "'");
            }
            if (maxConcurrency == null) {
                maxConcurrency = DEFAULT_MAX_CONCURRENCY;
            }
            if (maxConcurrency <= 0) {
                throw new PluginConfigException("maxConcurrency", "maxConcurrency must be > 0, got " + maxConcurrency);
            }
            if (maxTokenConcurrency == null) {
                maxTokenConcurrency = DEFAULT_MAX_TOKEN_CONCURRENCY;
            }
            if (maxTokenConcurrency <= 0) {
                throw new PluginConfigException("maxTokenConcurrency", "maxTokenConcurrency must be > 0, got "
                        + maxTokenConcurrency);
            }
            if (headroom == null) {
                headroom = 0.0;
            }
            if (!(headroom >= 0.0) || headroom.isInfinite()) {
                throw new PluginConfigException("headroom", "headroom must be a finite number >= 0, got " + headroom);
            }
            if (kvCapacityFraction != null) {
                if (!concurrencyMode.equals("tokens")) {
                    throw new PluginConfigException("kvCapacityFraction", "kvCapacityFraction applies to"
                            + " concurrencyMode 'tokens' only; in 'requests' mode use scaleByKvCache");
                }
                if (!(kvCapacityFraction > 0.0 && kvCapacityFraction <= MAX_KV_CAPACITY_FRACTION)) {
                    throw new PluginConfigException("kvCapacityFraction", "kvCapacityFraction must be in (0, "
                            + MAX_KV_CAPACITY_FRACTION + "], got " + kvCapacityFraction);
                }
            }
            if (scaleByKvCache == null) {
                scaleByKvCache = false;
            }
            if (scaleByKvCache && !concurrencyMode.equals("requests")) {
                throw new PluginConfigException("scaleByKvCache", "scaleByKvCache applies to concurrencyMode"
                        + " 'requests' only; in 'tokens' mode use kvCapacityFraction");
            }
        }

        /** llm-d's four parameters, neither of ours. */
        public Params(String concurrencyMode, Long maxConcurrency, Long maxTokenConcurrency, Double headroom) {
            this(concurrencyMode, maxConcurrency, maxTokenConcurrency, headroom, null, null);
        }

        public Mode mode() {
            return Mode.valueOf(concurrencyMode.toUpperCase(Locale.ROOT));
        }
    }

    /** How an endpoint's capacity is found; a closed set, chosen once from the parameters. */
    private enum Sizing {
        /** The same capacity for every endpoint (llm-d). */
        UNIFORM,
        /** {@code kvCapacityFraction × KV tokens}. */
        KV_FRACTION,
        /** {@code maxConcurrency × KV / largest KV among those judged}. */
        KV_RELATIVE
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.IN_FLIGHT_LOAD);

    private final TypedName typedName;
    private final Mode mode;
    private final long capacity;
    private final double headroomFactor;
    private final Sizing sizing;
    private final double kvFraction;

    public ConcurrencyDetector(String name, Params params) {
        this.typedName = new TypedName(TYPE, name);
        this.mode = params.mode();
        this.capacity = mode == Mode.TOKENS ? params.maxTokenConcurrency() : params.maxConcurrency();
        this.headroomFactor = 1.0 + params.headroom();
        this.kvFraction = params.kvCapacityFraction() == null ? 0.0 : params.kvCapacityFraction();
        this.sizing = params.kvCapacityFraction() != null ? Sizing.KV_FRACTION
                : params.scaleByKvCache() ? Sizing.KV_RELATIVE : Sizing.UNIFORM;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public Set<DataKey<?>> consumes() {
        return CONSUMES;
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public double saturation(SchedulingContext context, List<Endpoint> candidates) {
        int n = candidates.size();
        if (n == 0) {
            return 1.0;
        }
        InFlightLoad load = context.get(DataKeys.IN_FLIGHT_LOAD);
        if (load == null) {
            return 0.0;
        }
        long largestKv = largestKv(candidates);
        double inFlight = 0;
        double total = 0;
        for (int i = 0; i < n; i++) {
            Endpoint e = candidates.get(i);
            inFlight += inFlight(load, e);
            total += capacity(e, largestKv);
        }
        return inFlight / total;
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        InFlightLoad load = context.get(DataKeys.IN_FLIGHT_LOAD);
        if (load == null) {
            return endpoints;
        }
        long largestKv = largestKv(endpoints);
        int n = endpoints.size();
        int keep = 0;
        for (int i = 0; i < n; i++) {
            if (fits(load, endpoints.get(i), largestKv)) {
                keep++;
            }
        }
        if (keep == n) {
            return endpoints;
        }
        List<Endpoint> kept = new ArrayList<>(keep);
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get(i);
            if (fits(load, e, largestKv)) {
                kept.add(e);
            }
        }
        return kept;
    }

    /**
     * The requests the filter lets {@code endpoint} hold: its capacity with the headroom, in {@code tokens} mode
     * divided by the tokens booked per request it holds now (0 while it holds none: no request size to divide by).
     */
    @Override
    public double admissionLimit(SchedulingContext context, Endpoint endpoint, List<Endpoint> pool) {
        InFlightLoad load = context.get(DataKeys.IN_FLIGHT_LOAD);
        double limit = capacity(endpoint, largestKv(pool)) * headroomFactor;
        if (mode == Mode.REQUESTS) {
            return limit;
        }
        long requests = load == null ? 0 : Math.max(0, load.requests(endpoint));
        long tokens = load == null ? 0 : Math.max(0, load.tokens(endpoint));
        return requests == 0 || tokens == 0 ? 0 : limit * requests / tokens;
    }

    private boolean fits(InFlightLoad load, Endpoint e, long largestKv) {
        return inFlight(load, e) < capacity(e, largestKv) * headroomFactor;
    }

    private double capacity(Endpoint e, long largestKv) {
        if (sizing == Sizing.UNIFORM) {
            return capacity;
        }
        long kv = e.metrics().kvCacheTokens();
        if (kv == 0) {
            return capacity;
        }
        // KV_RELATIVE: largestKv >= kv > 0 because e is among the endpoints it was taken over
        return sizing == Sizing.KV_FRACTION ? kvFraction * kv : (double) capacity * kv / largestKv;
    }

    /** The largest known KV size among the endpoints, 0 when none is known; only {@code KV_RELATIVE} needs it. */
    private long largestKv(List<Endpoint> endpoints) {
        if (sizing != Sizing.KV_RELATIVE) {
            return 0;
        }
        long largest = 0;
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            largest = Math.max(largest, endpoints.get(i).metrics().kvCacheTokens());
        }
        return largest;
    }


    private long inFlight(InFlightLoad load, Endpoint endpoint) {
        // Clamped: a transiently negative count (release racing a forget) must not offset other endpoints' load.
        return Math.max(0, mode == Mode.TOKENS ? load.tokens(endpoint) : load.requests(endpoint));
    }
}
