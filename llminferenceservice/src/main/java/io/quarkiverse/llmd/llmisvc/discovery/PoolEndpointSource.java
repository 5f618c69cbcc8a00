package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.k8s.networking.inference.v1.InferencePool;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointSource;

/**
 * The endpoints of a pool of pods in one namespace: those an InferencePool selects (llm-d's {@code --pool-name}), or
 * those a fixed label selector selects on fixed ports (llm-d's standalone {@code --endpoint-selector}). Event driven:
 * a pod that turns NotReady, starts terminating or is deleted leaves with the informer event that says so; a change
 * of the pool's selector or ports re-selects; a watch the API server drops is re-listed by the informer.
 *
 * <p>
 * Publishing runs on the provider's discovery thread, one burst of events at a time, and only when the endpoint set
 * differs from the last one published. Until a pod watch has its first list the last set stays in force, so a
 * re-selection or an unreachable API server never empties the pool by accident; a deleted InferencePool does empty
 * it, as llm-d's datastore is cleared then.
 */
public final class PoolEndpointSource implements EndpointSource {

    private static final Logger LOG = Logger.getLogger(PoolEndpointSource.class);


    /** Where the pool's selector and ports come from. */
    public sealed interface Origin permits Fixed, PoolObject {
    }

    /** A selector and ports given in configuration (llm-d's standalone mode, no CRD). */
    public record Fixed(PoolSpec spec) implements Origin {
    }

    /** An InferencePool object, watched for its selector and ports. */
    public record PoolObject(String name, PoolGroup group) implements Origin {
    }

    private final String pool;
    private final Supplier<KubernetesClient> clients;
    private final String namespace;
    private final Origin origin;
    private final long resyncMillis;
    private final Coalescer recompute;
    private final ScheduledExecutorService scheduler;

    // guarded by this
    private KubernetesClient client;
    private Watch<?> poolWatch;
    private ScheduledFuture<?> checks;
    private PoolSpec spec;
    private PodSetWatch pods;
    private boolean closed;
    private boolean missingReported;

    // touched only by the recomputation, which the coalescer runs one at a time
    private volatile Consumer<List<Endpoint>> publish;
    private List<Endpoint> published;

    /**
     * @param pool our pool's name, for logs
     * @param clients gives the client when the source starts (so that none is built for static pools)
     * @param resyncMillis how often every watch lists afresh (0: never), see {@link Watch#relist()}
     * @param executor where recomputations and watch checks run, one at a time (a single thread shared by the
     *        sources)
     */
    public PoolEndpointSource(String pool, Supplier<KubernetesClient> clients, String namespace, Origin origin,
            long resyncMillis, ScheduledExecutorService executor) {
        this.pool = pool;
        this.clients = clients;
        this.namespace = namespace;
        this.origin = origin;
        this.resyncMillis = resyncMillis;
        this.recompute = new Coalescer(executor, this::recompute);
        this.scheduler = executor;
    }

    /**
     * Returns at once: the client is built and the watches start on the discovery thread, since building a client
     * takes seconds on a cold JVM and the caller may be an event loop.
     */
    @Override
    public void start(Consumer<List<Endpoint>> publish) {
        this.publish = publish;
        scheduler.execute(this::open);
    }

    private synchronized void open() {
        if (closed) {
            return;
        }
        try {
            client = clients.get();
        } catch (RuntimeException e) {
            LOG.errorf(e, "pool %s: no Kubernetes client, %s is not watched", pool, describe());
            return;
        }
        if (origin instanceof Fixed f) {
            select(f.spec());
        } else if (origin instanceof PoolObject p) {
            poolWatch = p.group() == PoolGroup.GA
                    ? watchPool(() -> client.resources(InferencePool.class).inNamespace(namespace)
                            .withName(p.name()).runnableInformer(0), PoolSpec::of)
                    : watchPool(() -> client.genericKubernetesResources(p.group().context()).inNamespace(namespace)
                            .withName(p.name()).runnableInformer(0), PoolSpec::ofV1alpha2);
        }
        if (resyncMillis > 0) {
            checks = scheduler.scheduleWithFixedDelay(this::relist, resyncMillis, resyncMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    private <T extends HasMetadata> Watch<T> watchPool(Supplier<SharedIndexInformer<T>> informers,
            Function<T, PoolSpec> read) {
        return new Watch<>(describe(), informers, changed -> poolChanged(read));
    }

    /** The informer's store is the truth: after a list, an update or a delete alike, the pool is what it holds. */
    @SuppressWarnings("unchecked")
    private synchronized <T> void poolChanged(Function<T, PoolSpec> read) {
        Watch<T> watch = (Watch<T>) poolWatch; // null only while start() runs, which holds this lock
        if (closed || watch == null || !watch.synced()) {
            return;
        }
        List<T> items = watch.items();
        if (!items.isEmpty()) {
            update(items.get(0), read);
        } else if (spec != null || !missingReported) {
            missingReported = true;
            LOG.warnf("pool %s: %s does not exist; the pool has no endpoints until it does", pool, describe());
            select(null);
        }
    }

    /** The resync: every watch lists afresh (see {@link Watch#relist()}). */
    private void relist() {
        Watch<?> pw;
        PodSetWatch pods;
        synchronized (this) {
            pw = poolWatch;
            pods = this.pods;
        }
        if (pw != null) {
            pw.relist();
        }
        if (pods != null) {
            pods.relist();
        }
    }

    private <T> void update(T object, Function<T, PoolSpec> read) {
        PoolSpec next;
        try {
            next = read.apply(object);
        } catch (IllegalArgumentException e) {
            // as llm-d: an invalid pool does not replace the last good one
            LOG.warnf("pool %s: %s is invalid, the previous selection stays in force: %s", pool, describe(),
                    e.getMessage());
            return;
        }
        select(next);
    }

    /** Watches the pods {@code next} selects (none when null), unless it selects what is watched already. */
    private synchronized void select(PoolSpec next) {
        if (closed || Objects.equals(next, spec)) {
            return;
        }
        PodSetWatch previous = pods;
        spec = next;
        pods = next == null ? null
                : new PodSetWatch(client, namespace, next.labelSelector(), recompute::request);
        if (previous != null) {
            previous.close();
        }
        if (next != null) {
            LOG.infof("pool %s: pods %s in %s, target ports %s", pool, next.labelSelector(), namespace,
                    next.targetPorts());
        }
        recompute.request();
    }

    private void recompute() {
        PoolSpec current;
        PodSetWatch watch;
        synchronized (this) {
            if (closed) {
                return;
            }
            current = spec;
            watch = pods;
        }
        List<Endpoint> endpoints;
        if (current == null) {
            endpoints = List.of();
        } else if (!watch.synced()) {
            return; // the first list is on its way: keep what the pool has
        } else {
            endpoints = PodEndpoints.of(watch.pods(), current.targetPorts());
        }
        if (endpoints.equals(published)) {
            return;
        }
        List<Endpoint> before = published == null ? List.of() : published;
        published = endpoints;
        publish.accept(endpoints);
        LOG.infof("pool %s: %d endpoint(s); joined %s; left %s", pool, endpoints.size(), changes(endpoints, before),
                changes(before, endpoints));
    }

    /** Names and addresses of the endpoints of {@code a} that {@code b} lacks, at most 10 (a log line, not a dump). */
    private static String changes(List<Endpoint> a, List<Endpoint> b) {
        java.util.Set<Endpoint> other = new java.util.HashSet<>(b);
        List<String> diff = a.stream().filter(e -> !other.contains(e)).map(e -> e.name() + "=" + e.address())
                .toList();
        return diff.size() <= 10 ? diff.toString()
                : diff.subList(0, 10) + " and " + (diff.size() - 10) + " more";
    }

    @Override
    public String describe() {
        if (origin instanceof PoolObject p) {
            return "InferencePool " + namespace + "/" + p.name() + " (" + p.group().group() + ")";
        }
        PoolSpec fixed = ((Fixed) origin).spec();
        return "pods " + fixed.labelSelector() + " in " + namespace + " on ports " + fixed.targetPorts();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (checks != null) {
            checks.cancel(false);
        }
        if (poolWatch != null) {
            poolWatch.close();
        }
        if (pods != null) {
            pods.close();
        }
    }
}
