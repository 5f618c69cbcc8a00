package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointLifecycle;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseObserver;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;

/**
 * {@code inflight-load-producer}: counts, per endpoint, the requests this scheduler has sent and not yet seen finish,
 * and their estimated tokens; it is the {@link DataKeys#IN_FLIGHT_LOAD} producer the loader adds when a consumer
 * ({@code active-request-scorer}, {@code token-load-scorer}, {@code concurrency-detector}) needs it.
 * <ul>
 * <li>Pre-request: the first target of every profile that produced a result gets +1 request and
 * {@code estimatedInputTokens * (1 + }{@value #OUTPUT_RATIO}{@code )} tokens (input plus expected output).</li>
 * <li>The target of the profile named {@value #PREFILL_PROFILE} is released at the first response chunk: its work ends
 * when the prompt is prefilled. Everything not yet released is released at response completion, which the framework
 * runs exactly once per request, also when no chunk ever came.</li>
 * </ul>
 * What a request took is stored in its context, so a release gives back exactly that even when the endpoint was
 * forgotten and re-added meanwhile, and releasing twice is harmless.
 * <p>
 * The counters are global and shared by all requests: {@link AtomicLong}s in a {@link ConcurrentHashMap} by endpoint
 * name, so reading them on the scoring hot path is a map lookup with no allocation. The producer is itself the
 * {@link InFlightLoad} it publishes: readers see live counts.
 */
public final class InFlightLoadProducer
        implements EndpointLifecycle, DataProducer, PreRequest, ResponseObserver, InFlightLoad {

    public static final String TYPE = "inflight-load-producer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new InFlightLoadProducer(name);
    };

    /** Expected output tokens per input token in the estimate, as in llm-d. */
    public static final double OUTPUT_RATIO = 1.5;
    /** The profile whose target is released at the first chunk. */
    public static final String PREFILL_PROFILE = "prefill";

    private static final Set<DataKey<?>> PRODUCES = Set.of(DataKeys.IN_FLIGHT_LOAD);

    private final TypedName typedName;
    /** What a request booked with this instance, for an exact release; per instance so two producers never mix. */
    private final DataKey<Bookings> bookingsKey;
    private final ConcurrentHashMap<String, Counters> counters = new ConcurrentHashMap<>();

    public InFlightLoadProducer(String name) {
        this.typedName = new TypedName(TYPE, name);
        this.bookingsKey = DataKey.of("InFlightLoadBookings[" + name + "]", Bookings.class, null);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return PRODUCES;
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        context.put(DataKeys.IN_FLIGHT_LOAD, this);
    }

    @Override
    public long requests(Endpoint endpoint) {
        return requests(endpoint.name());
    }

    @Override
    public long tokens(Endpoint endpoint) {
        return tokens(endpoint.name());
    }

    /** In-flight requests of the endpoint with this name; 0 when unknown. */
    public long requests(String endpointName) {
        Counters c = counters.get(endpointName);
        return c == null ? 0 : c.requests.get();
    }

    /** Estimated in-flight tokens of the endpoint with this name; 0 when unknown. */
    public long tokens(String endpointName) {
        Counters c = counters.get(endpointName);
        return c == null ? 0 : c.tokens.get();
    }

    /** The token estimate booked for a request with this many input tokens: input plus expected output. */
    public static long estimateTokens(long inputTokens) {
        return (long) (Math.max(0, inputTokens) * (1.0 + OUTPUT_RATIO));
    }

    @Override
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        // A context scheduled again (a retry) supersedes its earlier booking.
        Bookings previous = context.get(bookingsKey);
        if (previous != null) {
            previous.release(false);
        }
        long tokens = estimateTokens(context.request().estimatedInputTokens());
        List<Booking> taken = new ArrayList<>(result.profileResults().size());
        for (Map.Entry<String, ProfileRunResult> e : result.profileResults().entrySet()) {
            ProfileRunResult profile = e.getValue();
            if (profile == null) {
                continue;
            }
            Counters c = counters.computeIfAbsent(profile.primary().name(), k -> new Counters());
            c.requests.incrementAndGet();
            c.tokens.addAndGet(tokens);
            taken.add(new Booking(c, tokens, PREFILL_PROFILE.equals(e.getKey())));
        }
        context.put(bookingsKey, new Bookings(taken.toArray(new Booking[0])));
    }

    @Override
    public void firstChunk(SchedulingContext context, Endpoint served) {
        Bookings bookings = context.get(bookingsKey);
        if (bookings != null) {
            bookings.release(true);
        }
    }

    @Override
    public void responseComplete(SchedulingContext context, Endpoint served, ResponseOutcome outcome) {
        Bookings bookings = context.get(bookingsKey);
        if (bookings != null) {
            bookings.release(false);
        }
    }

    /**
     * Drops the counters of a deleted endpoint. Requests still in flight to it release into the dropped counters, so
     * an endpoint that comes back under the same name starts from zero.
     */
    @Override
    public void endpointRemoved(String endpointName) {
        forget(endpointName);
    }

    /** Same as {@link #endpointRemoved}. */
    public void forget(String endpointName) {
        counters.remove(endpointName);
    }

    /** Current counts by endpoint name, sorted, as {@code [requests, tokens]}; for metrics and debugging. */
    public Map<String, long[]> snapshot() {
        Map<String, long[]> copy = new TreeMap<>();
        counters.forEach((name, c) -> copy.put(name, new long[] { c.requests.get(), c.tokens.get() }));
        return Collections.unmodifiableMap(copy);
    }

    private static final class Counters {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
    }

    /** One profile target's share of a request. */
    private record Booking(Counters counters, long tokens, boolean prefill) {
    }

    /**
     * Everything one request booked. Release is synchronized: the response hooks of one request may run on different
     * threads one after the other, and each booking must be given back exactly once.
     */
    private static final class Bookings {
        private final Booking[] bookings;
        private final boolean[] released;

        Bookings(Booking[] bookings) {
            this.bookings = bookings;
            this.released = new boolean[bookings.length];
        }

        synchronized void release(boolean prefillOnly) {
            for (int i = 0; i < bookings.length; i++) {
                Booking b = bookings[i];
                if (released[i] || (prefillOnly && !b.prefill())) {
                    continue;
                }
                released[i] = true;
                b.counters().requests.decrementAndGet();
                b.counters().tokens.addAndGet(-b.tokens());
            }
        }
    }
}
