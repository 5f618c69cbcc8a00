package io.quarkiverse.llmd.engine.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * A named pool: the endpoints serving some models, with their own registry, scheduler (from the pool's
 * EndpointPickerConfig), flow control and meters, all behind the pool's {@link RequestPipeline}. Endpoints that
 * leave the registry are purged from the scheduler's per-endpoint plugin state.
 * <p>
 * Whoever builds a pool may attach what the pool holds outside itself (its endpoint source, its meters, its scrape
 * settings) with {@link #closeOnRetire}; {@link PoolDirectory} retires a pool once it is removed or replaced, and
 * requests already admitted keep their reference to the pipeline and finish.
 */
public final class Pool {

    private final String name;
    private final SortedSet<String> models;
    private final EndpointRegistry registry;
    private final RequestPipeline pipeline;
    private final List<AutoCloseable> onRetire = new ArrayList<>();
    private boolean retired;

    /**
     * @param models the model names the pool serves; empty means it takes any model (a catch-all pool)
     */
    public Pool(String name, Set<String> models, EndpointRegistry registry, RequestPipeline pipeline) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a pool needs a name");
        }
        this.name = name;
        this.models = new TreeSet<>(models);
        this.registry = registry;
        this.pipeline = pipeline;
        Scheduler scheduler = pipeline.scheduler();
        // a registry may outlive the pool (handed to a replacement), so the retired scheduler stops listening
        onRetire.add(registry.onRemoval(e -> scheduler.endpointRemoved(e.name()))::run);
    }

    public String name() {
        return name;
    }

    /** The models the pool declares, sorted; empty for a catch-all pool. */
    public SortedSet<String> models() {
        return java.util.Collections.unmodifiableSortedSet(models);
    }

    /** Whether the pool takes requests for any model. */
    public boolean catchAll() {
        return models.isEmpty();
    }

    public EndpointRegistry registry() {
        return registry;
    }

    public RequestPipeline pipeline() {
        return pipeline;
    }

    public Scheduler scheduler() {
        return pipeline.scheduler();
    }

    /**
     * Registers something to close when the pool is retired; closed at once if it already is. Closed in reverse
     * order of registration (the source before the meters that describe what it found).
     */
    public synchronized void closeOnRetire(AutoCloseable resource) {
        if (retired) {
            closeQuietly(resource);
        } else {
            onRetire.add(resource);
        }
    }

    /** Whether the pool has been retired (removed from, or replaced in, its directory). */
    public synchronized boolean retired() {
        return retired;
    }

    /**
     * Closes what the pool holds; idempotent. A resource that fails to close does not keep the others open.
     *
     * @return the failures, empty when everything closed
     */
    public List<Exception> retire() {
        List<AutoCloseable> toClose;
        synchronized (this) {
            if (retired) {
                return List.of();
            }
            retired = true;
            toClose = new ArrayList<>(onRetire);
            onRetire.clear();
        }
        List<Exception> failures = new ArrayList<>();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            Exception e = closeQuietly(toClose.get(i));
            if (e != null) {
                failures.add(e);
            }
        }
        return failures;
    }

    private static Exception closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    @Override
    public String toString() {
        return "pool " + name + (models.isEmpty() ? " (any model)" : " " + models);
    }
}
