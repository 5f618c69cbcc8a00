package io.quarkiverse.llmd.llmisvc.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkiverse.llmd.llmisvc.discovery.Watch;

/**
 * Watches LLMInferenceServices and the pods KServe runs for them, in some namespaces or all, and feeds a
 * {@link ServiceReconciler}. Two informers per namespace whatever the number of services: one on the services (of
 * the configured API version), one on every workload pod of every service ({@link ServicePods#ALL_WORKLOADS}), so
 * a thousand services with ten thousand pods cost two watches, not a thousand.
 * <p>
 * Informer callbacks only note which services changed; one thread drains the notes in bursts (the pods of a first
 * list arrive one event at a time, and recomputing per event would cost the square of the pool's size). Nothing is
 * removed before the service informers have listed, so a gateway that starts, or loses its API server, keeps its
 * last pools rather than dropping them. Every resync period the informers list afresh and every service is
 * reconciled again (unchanged pools are left as they are).
 */
public final class ServiceWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ServiceWatch.class);

    /** LLMInferenceService API versions this gateway reads. */
    public enum ApiVersion {
        V1ALPHA2(io.kserve.serving.v1alpha2.LLMInferenceService.class),
        V1ALPHA1(io.kserve.serving.v1alpha1.LLMInferenceService.class);

        final Class<? extends HasMetadata> type;

        ApiVersion(Class<? extends HasMetadata> type) {
            this.type = type;
        }

        /** {@code v1alpha2} or {@code v1alpha1}. */
        public static ApiVersion of(String s) {
            for (ApiVersion v : values()) {
                if (v.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown LLMInferenceService API version '" + s
                    + "'; expected v1alpha2 (KServe 0.17 and later) or v1alpha1");
        }
    }

    private final ServiceReconciler reconciler;
    private final List<Watch<? extends HasMetadata>> services = new ArrayList<>();
    private final List<Watch<Pod>> pods = new ArrayList<>();
    private final ScheduledExecutorService thread;
    private final Set<String> dirtyServices = ConcurrentHashMap.newKeySet();
    private final Set<String> dirtyPods = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean everything = new AtomicBoolean(true);
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicLong drains = new AtomicLong();
    private volatile boolean draining;
    private volatile boolean closed;

    /**
     * Starts watching at once; never blocks on the API server.
     *
     * @param namespaces the namespaces to watch; {@code ["*"]} for every namespace
     * @param resyncMillis how often every informer lists afresh (0: never)
     */
    public ServiceWatch(KubernetesClient client, List<String> namespaces, ApiVersion version, long resyncMillis,
            ServiceReconciler reconciler) {
        this.reconciler = reconciler;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmd-llmisvc-watch");
            t.setDaemon(true);
            return t;
        });
        for (String ns : namespaces) {
            boolean any = "*".equals(ns);
            services.add(serviceWatch(client, ns, any, version.type));
            pods.add(new Watch<>("LLMInferenceService pods in " + (any ? "every namespace" : ns), () -> {
                var p = client.pods();
                return any ? p.inAnyNamespace().withLabelSelector(ServicePods.ALL_WORKLOADS).runnableInformer(0)
                        : p.inNamespace(ns).withLabelSelector(ServicePods.ALL_WORKLOADS).runnableInformer(0);
            }, this::podChanged));
        }
        if (resyncMillis > 0) {
            thread.scheduleWithFixedDelay(this::relist, resyncMillis, resyncMillis, TimeUnit.MILLISECONDS);
        }
        LOG.infof("watching %s LLMInferenceServices carrying %s=true in %s", version.name().toLowerCase(),
                ServiceAnnotations.ENABLED, namespaces.contains("*") ? "every namespace" : namespaces);
    }

    private <T extends HasMetadata> Watch<T> serviceWatch(KubernetesClient client, String ns, boolean any,
            Class<T> type) {
        return new Watch<>("LLMInferenceServices in " + (any ? "every namespace" : ns), () -> {
            SharedIndexInformer<T> i = any ? client.resources(type).inAnyNamespace().runnableInformer(0)
                    : client.resources(type).inNamespace(ns).runnableInformer(0);
            return i;
        }, this::serviceChanged);
    }

    private void serviceChanged(HasMetadata service) {
        if (service == null) {
            everything.set(true); // a (re-)list: reconcile all, including services deleted meanwhile
        } else {
            dirtyServices.add(key(service));
        }
        request();
    }

    private void podChanged(Pod pod) {
        if (pod == null) {
            everything.set(true);
        } else {
            String service = ServicePods.serviceOf(pod);
            if (service != null) {
                dirtyPods.add(service);
            }
        }
        request();
    }

    private void request() {
        if (!closed && queued.compareAndSet(false, true)) {
            thread.execute(this::drain);
        }
    }

    /** Reconciles what changed since the last drain, on the watch thread. */
    private void drain() {
        draining = true;
        queued.set(false);
        try {
            drainNow();
        } catch (RuntimeException e) {
            LOG.errorf(e, "reconciling LLMInferenceServices failed; retrying at the next change");
        } finally {
            drains.incrementAndGet();
            draining = false;
        }
    }

    private void drainNow() {
        if (!synced()) {
            return; // nothing taken: the first list of every informer requests a drain again
        }
        boolean all = everything.getAndSet(false);
        Set<String> changed = take(dirtyServices);
        Set<String> podsMoved = take(dirtyPods);
        Map<String, HasMetadata> byKey = new HashMap<>();
        for (Watch<? extends HasMetadata> w : services) {
            for (HasMetadata s : w.items()) {
                byKey.put(key(s), s);
            }
        }
        if (all) {
            changed.addAll(byKey.keySet());
            changed.addAll(reconciler.pools());
        }
        podsMoved.removeAll(changed);
        if (changed.isEmpty() && podsMoved.isEmpty()) {
            return;
        }
        Map<String, List<Pod>> podsByService = podsByService(changed, podsMoved);
        for (String key : changed) {
            HasMetadata s = byKey.get(key);
            // one service that cannot be reconciled must not hold up the others of the burst
            guarded(key, () -> {
                if (s == null) {
                    reconciler.serviceDeleted(key);
                } else {
                    reconciler.serviceChanged(ServiceView.of(s), podsByService.getOrDefault(key, List.of()));
                }
            });
        }
        for (String key : podsMoved) {
            guarded(key, () -> reconciler.podsChanged(key, podsByService.getOrDefault(key, List.of())));
        }
    }

    private static void guarded(String service, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "reconciling LLMInferenceService %s failed; retrying at its next change", service);
        }
    }

    /** The pods of the given services, from one pass over the pod caches. */
    private Map<String, List<Pod>> podsByService(Set<String> a, Set<String> b) {
        Map<String, List<Pod>> out = new HashMap<>();
        for (Watch<Pod> w : pods) {
            for (Pod p : w.items()) {
                String service = ServicePods.serviceOf(p);
                if (service != null && (a.contains(service) || b.contains(service))) {
                    out.computeIfAbsent(service, k -> new ArrayList<>()).add(p);
                }
            }
        }
        return out;
    }

    /** Whether every informer has listed, so that an absent service is really gone. */
    public boolean synced() {
        for (Watch<?> w : services) {
            if (!w.synced()) {
                return false;
            }
        }
        for (Watch<?> w : pods) {
            if (!w.synced()) {
                return false;
            }
        }
        return true;
    }

    /** Drains completed since start (tests and the benchmark wait for quiet with it). */
    public long drains() {
        return drains.get();
    }

    /** Whether a drain runs, is queued, or changes wait for one. */
    public boolean busy() {
        return draining || queued.get() || everything.get() || !dirtyServices.isEmpty() || !dirtyPods.isEmpty();
    }

    /**
     * The resync: every informer lists afresh (see {@link Watch#relist()}), which bounds what a watch resumed on an
     * API server without history could miss; the lists then reconcile every service, re-reading their ConfigMaps.
     */
    public void relist() {
        services.forEach(Watch::relist);
        pods.forEach(Watch::relist);
    }

    private static Set<String> take(Set<String> dirty) {
        Set<String> out = new HashSet<>();
        for (String k : List.copyOf(dirty)) {
            if (dirty.remove(k)) {
                out.add(k);
            }
        }
        return out;
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    @Override
    public void close() {
        closed = true;
        services.forEach(Watch::close);
        pods.forEach(Watch::close);
        thread.shutdownNow();
    }
}
