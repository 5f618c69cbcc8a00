package io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
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
     */
    public record Params(String concurrencyMode, Long maxConcurrency, Long maxTokenConcurrency, Double headroom) {

        public static final long DEFAULT_MAX_CONCURRENCY = 100;
        public static final long DEFAULT_MAX_TOKEN_CONCURRENCY = 1_000_000;

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
        }

        public Mode mode() {
            return Mode.valueOf(concurrencyMode.toUpperCase(Locale.ROOT));
        }
    }

    private static final Set<DataKey<?>> CONSUMES = Set.of(DataKeys.IN_FLIGHT_LOAD);

    private final TypedName typedName;
    private final Mode mode;
    private final long capacity;
    private final double limit;

    public ConcurrencyDetector(String name, Params params) {
        this.typedName = new TypedName(TYPE, name);
        this.mode = params.mode();
        this.capacity = mode == Mode.TOKENS ? params.maxTokenConcurrency() : params.maxConcurrency();
        this.limit = capacity * (1.0 + params.headroom());
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
        double inFlight = 0;
        for (int i = 0; i < n; i++) {
            inFlight += inFlight(load, candidates.get(i));
        }
        return inFlight / ((double) capacity * n);
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        InFlightLoad load = context.get(DataKeys.IN_FLIGHT_LOAD);
        if (load == null) {
            return endpoints;
        }
        int n = endpoints.size();
        int keep = 0;
        for (int i = 0; i < n; i++) {
            if (inFlight(load, endpoints.get(i)) < limit) {
                keep++;
            }
        }
        if (keep == n) {
            return endpoints;
        }
        List<Endpoint> kept = new ArrayList<>(keep);
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get(i);
            if (inFlight(load, e) < limit) {
                kept.add(e);
            }
        }
        return kept;
    }

    private long inFlight(InFlightLoad load, Endpoint endpoint) {
        // Clamped: a transiently negative count (release racing a forget) must not offset other endpoints' load.
        return Math.max(0, mode == Mode.TOKENS ? load.tokens(endpoint) : load.requests(endpoint));
    }
}
