package io.quarkiverse.llmd.engine.pool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * The endpoints of the pool as one immutable snapshot, read lock-free by every request and replaced whole by
 * writers (discovery and the metrics scraper). Writers are serialised; readers never wait.
 */
public final class EndpointRegistry {

    /** An immutable view: the endpoints in a stable order, and lookups by name and by address. */
    public record Snapshot(List<Endpoint> endpoints, Map<String, Endpoint> byName, Map<String, Endpoint> byAddress,
            long version) {

        static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), Map.of(), 0);

        static Snapshot of(List<Endpoint> endpoints, long version) {
            Map<String, Endpoint> byName = new HashMap<>();
            Map<String, Endpoint> byAddress = new HashMap<>();
            for (Endpoint e : endpoints) {
                byName.put(e.name(), e);
                byAddress.put(e.address(), e);
            }
            return new Snapshot(List.copyOf(endpoints), Map.copyOf(byName), Map.copyOf(byAddress), version);
        }
    }

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private final List<Consumer<Endpoint>> removalListeners = new CopyOnWriteArrayList<>();

    public Snapshot snapshot() {
        return snapshot;
    }

    public List<Endpoint> endpoints() {
        return snapshot.endpoints();
    }

    /**
     * Called with each endpoint that leaves the pool (to purge indexes and counters that hold it).
     *
     * @return stops the calls (a pool replaced at runtime hands its registry to its successor and stops listening)
     */
    public Runnable onRemoval(Consumer<Endpoint> listener) {
        removalListeners.add(listener);
        return () -> removalListeners.remove(listener);
    }

    /**
     * Replaces the set of endpoints (discovery). Endpoints that stay keep their metrics unless the new instance
     * carries scraped ones.
     */
    public void replaceAll(List<Endpoint> discovered) {
        List<Endpoint> removed = new ArrayList<>();
        synchronized (this) {
            Snapshot old = snapshot;
            List<Endpoint> next = new ArrayList<>(discovered.size());
            Map<String, Endpoint> seen = new HashMap<>();
            for (Endpoint e : discovered) {
                Endpoint previous = old.byName().get(e.name());
                Endpoint merged = previous != null && !e.metrics().scraped() ? e.withMetrics(previous.metrics()) : e;
                next.add(merged);
                seen.put(e.name(), merged);
            }
            for (Endpoint e : old.endpoints()) {
                if (!seen.containsKey(e.name())) {
                    removed.add(e);
                }
            }
            snapshot = Snapshot.of(next, old.version() + 1);
        }
        for (Endpoint e : removed) {
            for (Consumer<Endpoint> listener : removalListeners) {
                listener.accept(e);
            }
        }
    }

    /** Publishes a new metrics snapshot of one endpoint; ignored when the endpoint has left the pool meanwhile. */
    public void updateMetrics(String name, EndpointMetrics metrics) {
        updateMetrics(Map.of(name, metrics));
    }

    /**
     * Publishes new metrics of several endpoints in one snapshot swap (the scraper batches a whole round, so a
     * large pool does not rebuild the snapshot once per endpoint). Names no longer in the pool are ignored. Each
     * scrape's running totals carry on from the endpoint's previous snapshot
     * ({@link EndpointMetrics#accumulatedAfter}).
     */
    public void updateMetrics(Map<String, EndpointMetrics> metricsByName) {
        if (metricsByName.isEmpty()) {
            return;
        }
        synchronized (this) {
            Snapshot old = snapshot;
            List<Endpoint> next = new ArrayList<>(old.endpoints().size());
            boolean changed = false;
            for (Endpoint e : old.endpoints()) {
                EndpointMetrics m = metricsByName.get(e.name());
                if (m != null) {
                    next.add(e.withMetrics(m.accumulatedAfter(e.metrics())));
                    changed = true;
                } else {
                    next.add(e);
                }
            }
            if (changed) {
                snapshot = Snapshot.of(next, old.version() + 1);
            }
        }
    }
}
