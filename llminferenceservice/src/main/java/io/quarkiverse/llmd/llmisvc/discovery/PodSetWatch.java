package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * The pods of one namespace that match a label selector, kept current by a fabric8 informer: a list, then a watch,
 * and a fresh list whenever the watch drops (the informer's reflector does that by itself, backing off while the API
 * server is away). Every add, update and delete calls {@code onChange}, which should only note that something
 * changed: the owner reads {@link #pods()} when it recomputes, so a burst of events costs one recomputation.
 *
 * <p>
 * The watch starts at construction and never blocks the caller: with no API server reachable it retries in the
 * background and {@link #synced()} stays false, so an owner keeps its last endpoints rather than publishing none.
 */
public final class PodSetWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PodSetWatch.class);

    private final SharedIndexInformer<Pod> informer;
    private final String description;

    /**
     * @param labelSelector the selector in its string form ({@code app=vllm,llm-d.ai/role in (prefill,decode)})
     * @param resyncMillis how often the informer replays its cache to the handler (0: never)
     * @param onChange called on every change and once when the first list has arrived
     */
    public PodSetWatch(KubernetesClient client, String namespace, String labelSelector, long resyncMillis,
            Runnable onChange) {
        this.description = "pods " + labelSelector + " in " + namespace;
        this.informer = client.pods().inNamespace(namespace).withLabelSelector(labelSelector)
                .runnableInformer(resyncMillis);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                onChange.run();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                onChange.run();
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                onChange.run();
            }
        });
        // keep trying while the API server is unreachable or refuses us (RBAC not applied yet): the default gives up
        informer.exceptionHandler((started, t) -> {
            LOG.warnf("watching %s failed, retrying: %s", description, t.getMessage());
            return true;
        });
        informer.start().whenComplete((ok, failure) -> {
            if (failure == null) {
                onChange.run(); // an empty first list is news too
            }
        });
    }

    /** The matching pods the informer holds now; empty before its first list. */
    public List<Pod> pods() {
        return informer.getStore().list();
    }

    /** Whether the first list has arrived, so that {@link #pods()} is the cluster's view and not merely empty. */
    public boolean synced() {
        return informer.hasSynced();
    }

    @Override
    public void close() {
        informer.stop();
    }

    @Override
    public String toString() {
        return description;
    }
}
