package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * A fabric8 informer that starts without blocking, retries while the API server is unreachable, and can list afresh.
 * The informer resumes a dropped watch from the last resource version it saw, and lists again when the API server
 * answers 410 Gone; an API server that lost its history (restored, or a proxy in between restarted) may answer with
 * silence instead, and the watch would miss every change of the outage. {@link #relist()}, called every resync
 * period, bounds that: the informer is replaced by a new one whose list is the cluster's whole state.
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
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile SharedIndexInformer<T> informer;
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
        // keep trying while the API server is unreachable or refuses us (RBAC not applied yet, CRD not installed):
        // the default gives up. Said once at WARN, then at DEBUG until a list succeeds, so an absent optional CRD
        // does not fill the log.
        i.exceptionHandler((started, t) -> {
            if (failing.compareAndSet(false, true)) {
                LOG.warnf("watching %s failed, retrying in the background: %s", description, t.getMessage());
            } else {
                LOG.debugf("watching %s failed again: %s", description, t.getMessage());
            }
            return true;
        });
        i.start().whenComplete((ok, failure) -> {
            if (failure == null) {
                if (failing.getAndSet(false)) {
                    LOG.infof("watching %s again", description);
                }
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
     * Replaces the informer by a new one, whose list brings the cluster's whole state: called every resync period.
     * Until that list arrives {@link #synced()} is false, and owners keep what they published.
     */
    public synchronized void relist() {
        if (closed) {
            return;
        }
        SharedIndexInformer<T> old = informer;
        informer = start();
        old.stop();
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
