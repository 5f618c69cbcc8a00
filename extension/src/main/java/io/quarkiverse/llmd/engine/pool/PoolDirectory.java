package io.quarkiverse.llmd.engine.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The pools a gateway serves now, changing at runtime: pools declared in configuration at startup, and pools added,
 * replaced and removed later (one per watched KServe LLMInferenceService, for instance). Copy-on-write: every change
 * builds a new immutable {@link Pools} and publishes it with one volatile write, so a request reads
 * {@link #current()} once and routes against a consistent snapshot without a lock. A change that would make the set
 * invalid (a name or model taken twice, two catch-all pools) is refused whole and changes nothing.
 * <p>
 * A pool that leaves (removed, or replaced by a new pool of the same name) is {@linkplain Pool#retire() retired}
 * after the new snapshot is published: its source, meters and scrape settings close, while requests that already
 * hold its pipeline finish there. Writers are serialised; readers never wait.
 */
public final class PoolDirectory {

    /**
     * One published change.
     *
     * @param current the snapshot now in force
     * @param added pools that entered (a replacement counts as added)
     * @param removed pools that left (a replaced pool counts as removed); retired right after the listeners ran
     */
    public record Change(Pools current, List<Pool> added, List<Pool> removed) {
    }

    private volatile Pools current;
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

    public PoolDirectory(Pools initial) {
        this.current = initial;
    }

    /** The pools in force now: an immutable snapshot, one volatile read. */
    public Pools current() {
        return current;
    }

    /**
     * Calls {@code listener} after each change, on the writer's thread, in the order changes happen. A listener must
     * be quick and must not change the directory itself.
     */
    public void listen(Consumer<Change> listener) {
        listeners.add(listener);
    }

    /**
     * Adds a pool.
     *
     * @throws IllegalArgumentException when a pool of that name exists, or the pool claims a model another serves
     */
    public synchronized void add(Pool pool) {
        if (current.named(pool.name()) != null) {
            throw new IllegalArgumentException("a pool named '" + pool.name() + "' exists already");
        }
        publish(with(pool, null), List.of(pool), List.of());
    }

    /**
     * Replaces the pool of the same name (new configuration, new models); the old one is retired.
     *
     * @return the pool replaced
     * @throws IllegalArgumentException when no pool has that name, or the new pool claims a model another serves
     */
    public synchronized Pool replace(Pool pool) {
        Pool old = current.named(pool.name());
        if (old == null) {
            throw new IllegalArgumentException("no pool named '" + pool.name() + "' to replace");
        }
        publish(with(pool, old), List.of(pool), List.of(old));
        return old;
    }

    /**
     * Adds the pool, or replaces the one of the same name.
     *
     * @return the pool replaced, or null when the pool is new
     * @throws IllegalArgumentException when the pool claims a model another pool serves
     */
    public synchronized Pool put(Pool pool) {
        Pool old = current.named(pool.name());
        if (old == null) {
            add(pool);
        } else {
            replace(pool);
        }
        return old;
    }

    /**
     * Removes the pool of this name and retires it; its in-flight requests finish.
     *
     * @return the pool removed, or null when there was none
     */
    public synchronized Pool remove(String name) {
        Pool old = current.named(name);
        if (old == null) {
            return null;
        }
        List<Pool> rest = new ArrayList<>(current.all());
        rest.remove(old);
        publish(new Pools(rest), List.of(), List.of(old));
        return old;
    }

    /** The current pools with {@code pool} added, or put in the place of {@code old}; validated by {@link Pools}. */
    private Pools with(Pool pool, Pool old) {
        List<Pool> next = new ArrayList<>(current.all().size() + 1);
        for (Pool p : current.all()) {
            next.add(p == old ? pool : p);
        }
        if (old == null) {
            next.add(pool);
        }
        return new Pools(next);
    }

    private void publish(Pools next, List<Pool> added, List<Pool> removed) {
        current = next;
        Change change = new Change(next, added, removed);
        try {
            for (Consumer<Change> l : listeners) {
                l.accept(change);
            }
        } finally {
            for (Pool p : removed) {
                p.retire();
            }
        }
    }
}
