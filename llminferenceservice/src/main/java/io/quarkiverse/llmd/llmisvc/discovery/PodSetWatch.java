package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The pods of one namespace that match a label selector, kept current by a {@link Watch} (a fabric8 informer that
 * can list afresh). Every change calls {@code onChange}, which should only note it: the owner
 * reads {@link #pods()} when it recomputes, so a burst of events costs one recomputation.
 *
 * <p>
 * The watch starts at construction and never blocks the caller: with no API server reachable it retries in the
 * background and {@link #synced()} stays false, so an owner keeps its last endpoints rather than publishing none.
 */
public final class PodSetWatch implements AutoCloseable {

    private final Watch<Pod> watch;

    /**
     * @param labelSelector the selector in its string form ({@code app=vllm,llm-d.ai/role in (prefill,decode)})
     * @param onChange called on every change and once when a list has arrived
     */
    public PodSetWatch(KubernetesClient client, String namespace, String labelSelector, Runnable onChange) {
        this.watch = new Watch<>("pods " + labelSelector + " in " + namespace,
                () -> client.pods().inNamespace(namespace).withLabelSelector(labelSelector)
                        .runnableInformer(0),
                pod -> onChange.run());
    }

    /** The matching pods the informer holds now; empty before its first list. */
    public List<Pod> pods() {
        return watch.items();
    }

    /** Whether a list has arrived, so that {@link #pods()} is the cluster's view and not merely empty. */
    public boolean synced() {
        return watch.synced();
    }

    /** See {@link Watch#relist()}. */
    public void relist() {
        watch.relist();
    }

    @Override
    public void close() {
        watch.close();
    }

    @Override
    public String toString() {
        return watch.toString();
    }
}
