package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.autoscaling.RequestSample;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestRecord;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * The autoscaler's view of the request path: every pool's pipeline calls it once per request (on the request's
 * event loop), and it only counts and queues; the engine, which is not thread-safe, is fed on the autoscaler's
 * worker when {@link #drain} hands it the queue.
 *
 * <p>
 * Inactive (one volatile read per request) until the loop {@link #activate activates} it. State is bounded: arrival
 * counters exist only for models of known variants (a client naming other models mints nothing), and the sample
 * queue has a fixed capacity beyond which samples are dropped and counted.
 */
@Singleton
public class AutoscalerRequestTap implements RequestObserver {

    /** A completed request attributed to a variant, with the calibration sample it yields. */
    record Completed(String variant, String model, RequestSample sample) {
    }

    private record State(VariantIndex index, BiFunction<String, String, Endpoint> endpoints,
            ArrayBlockingQueue<Completed> queue, Consumer<String> wake) {
    }

    private volatile State state;
    private final Map<String, LongAdder> arrivals = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong unattributed = new AtomicLong();

    /**
     * Starts observing.
     *
     * @param index the known variants
     * @param endpoints the endpoint of a pool by name (pool, endpoint name), or null when it left
     * @param capacity samples kept between two drains
     * @param wake called with a model whose request was refused for want of endpoints (scale from zero)
     */
    void activate(VariantIndex index, BiFunction<String, String, Endpoint> endpoints, int capacity,
            Consumer<String> wake) {
        State s = new State(index, endpoints, new ArrayBlockingQueue<>(capacity), wake);
        arrivals.keySet().retainAll(index.models());
        for (String m : index.models()) {
            arrivals.computeIfAbsent(m, k -> new LongAdder());
        }
        state = s;
    }

    /** Replaces the known variants (discovery found new ones); counters of models that stay are kept. */
    void variants(VariantIndex index) {
        State s = state;
        if (s == null) {
            return;
        }
        for (String m : index.models()) {
            arrivals.computeIfAbsent(m, k -> new LongAdder());
        }
        state = new State(index, s.endpoints(), s.queue(), s.wake());
        arrivals.keySet().retainAll(index.models());
    }

    @Override
    public void completed(RequestRecord record) {
        State s = state;
        if (s == null) {
            return;
        }
        String model = record.targetModel();
        LongAdder counter = model == null ? null : arrivals.get(model);
        if (counter == null) {
            return; // a model no variant serves: not ours to count
        }
        counter.increment();
        RequestSample sample = sample(record, s);
        if (sample == null) {
            return;
        }
        Endpoint endpoint = s.endpoints().apply(record.pool(), record.endpoint());
        VariantDefinition variant = endpoint == null ? null : s.index().resolve(record.pool(), endpoint);
        if (variant == null || !variant.model().equals(model)) {
            unattributed.incrementAndGet();
            return;
        }
        if (!s.queue().offer(new Completed(variant.name(), model, sample))) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public void rejected(String pool, InferenceRequest request, Decision.Rejected rejection) {
        State s = state;
        if (s == null || request == null) {
            return;
        }
        String model = request.targetModel();
        LongAdder counter = model == null ? null : arrivals.get(model);
        if (counter == null) {
            return;
        }
        // refused demand is still demand: a model at zero replicas is seen only through its refusals
        counter.increment();
        // 503: no endpoint could take it (an empty pool, or none left after filtering); the loop decides at once
        // if the model is at zero, and ignores the call otherwise
        if (rejection.status() == 503 || Decision.Rejected.NO_ENDPOINTS.equals(rejection.droppedReason())) {
            s.wake().accept(model);
        }
    }

    /** The calibration sample of a successful request with usage and a first token; null otherwise. */
    static RequestSample sample(RequestRecord r, State s) {
        if (!r.success() || r.firstTokenNanos() < 0 || r.completionTokens() < 1 || r.promptTokens() < 0) {
            return null;
        }
        long prompt = r.promptTokens() - Math.max(0, r.cachedTokens());
        double ttft = Math.max(0, r.firstTokenNanos() - r.dispatchedNanos()) / 1e9;
        double tpot = r.completionTokens() < 2 ? 0 : Math.max(0, r.tpotNanos()) / 1e9;
        Endpoint e = s == null ? null : s.endpoints().apply(r.pool(), r.endpoint());
        // what ran beside it: the replica's scraped batch averaged over the scrapes since it was placed
        double batch = e == null ? 1 : Math.max(1, e.metrics().meanRunningSince(r.endpointMetrics()));
        return new RequestSample((int) Math.min(Integer.MAX_VALUE, Math.max(0, prompt)),
                (int) Math.min(Integer.MAX_VALUE, r.completionTokens()), ttft, tpot, batch);
    }

    /** Takes every queued sample, oldest first. */
    void drain(Consumer<Completed> sink) {
        State s = state;
        if (s == null) {
            return;
        }
        List<Completed> batch = new java.util.ArrayList<>(s.queue().size());
        s.queue().drainTo(batch);
        batch.forEach(sink);
    }

    /** Requests (completed or refused) of {@code model} since the last call. */
    long takeArrivals(String model) {
        LongAdder a = arrivals.get(model);
        return a == null ? 0 : a.sumThenReset();
    }

    /** Samples dropped because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    /** Completed requests of a known model that no variant could claim (see {@link VariantIndex#resolve}). */
    long unattributed() {
        return unattributed.get();
    }
}
