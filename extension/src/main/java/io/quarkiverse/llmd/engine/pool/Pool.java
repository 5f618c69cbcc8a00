package io.quarkiverse.llmd.engine.pool;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * A named pool: the endpoints serving some models, with their own registry, scheduler (from the pool's
 * EndpointPickerConfig), flow control and meters, all behind the pool's {@link RequestPipeline}. Endpoints that
 * leave the registry are purged from the scheduler's per-endpoint plugin state.
 */
public final class Pool {

    private final String name;
    private final SortedSet<String> models;
    private final EndpointRegistry registry;
    private final RequestPipeline pipeline;

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
        registry.onRemoval(e -> scheduler.endpointRemoved(e.name()));
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

    @Override
    public String toString() {
        return "pool " + name + (models.isEmpty() ? " (any model)" : " " + models);
    }
}
