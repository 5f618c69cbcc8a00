package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * A fabric8 informer that starts without blocking, retries while the API server is unreachable, and lists afresh
 * after its watch dropped and came back. The informer's own reconnect resumes the watch from the last resource
 * version, which an API server that lost or compacted its history may answer with silence instead of a 410 Gone;
 * a new list after every reconnect converges in both cases, for the price of one list per outage.
 *
 * <p>
 * Every add, update and delete, and the end of every first list, calls {@code onChange}, which should only note that
 * something changed: the owner reads {@link #items()} when it recomputes.
 *
 * @param <T> the watched kind
 */
public final class Watch<T> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Watch.class);

    private final Supplier<SharedIndexInformer<T>> informers;
    private final Consumer<T> onChange;
    private final String description;
    private volatile SharedIndexInformer<T> informer;
    private boolean dropped;
    private boolean closed;

    /**
     * @param informers makes a new, not yet started informer (for instance {@code runnableInformer(resync)})
     * @param onChange called with the object that changed, or null after a (re-)list
     */
    public Watch(String description, Supplier<SharedIndexInformer<T>> informers, Consumer<T> onChange) {
        this.description = description;
        this.informers = informers;
        this.onChange = onChange;
        this.informer = start();
    }

    private SharedIndexInformer<T> start() {
        SharedIndexInformer<T> i = informers.get();
        i.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                onChange.accept(object);
            }

            @Override
            public void onUpdate(T before, T after) {
                onChange.accept(after);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                onChange.accept(object);
            }
        });
        // keep trying while the API server is unreachable or refuses us (RBAC not applied yet): the default gives up
        i.exceptionHandler((started, t) -> {
            LOG.warnf("watching %s failed, retrying: %s", description, t.getMessage());
            return true;
        });
        i.start().whenComplete((ok, failure) -> {
            if (failure == null) {
                onChange.accept(null); // an empty first list is news too
            }
        });
        return i;
    }

    /** The objects the informer holds now; empty before its first list. */
    public List<T> items() {
        return informer.getStore().list();
    }

    /** Whether the first list has arrived, so that {@link #items()} is the cluster's view and not merely empty. */
    public boolean synced() {
        return informer.hasSynced();
    }

    /**
     * Called periodically: notes a dropped watch, and once it is back, replaces the informer by a new one, whose
     * list brings every change the outage hid. Until that list arrives {@link #synced()} is false.
     */
    public synchronized void checkWatch() {
        if (closed || !informer.hasSynced()) {
            return;
        }
        if (!informer.isWatching()) {
            dropped = true;
        } else if (dropped) {
            dropped = false;
            LOG.infof("the watch of %s is back: listing again", description);
            SharedIndexInformer<T> old = informer;
            informer = start();
            old.stop();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        informer.stop();
    }

    @Override
    public String toString() {
        return description;
    }
}
