package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.pool.EndpointSource;
import io.quarkiverse.llmd.runtime.config.PoolConfig;
import io.quarkiverse.llmd.runtime.discovery.EndpointSourceProvider;

/**
 * Kubernetes discovery for pools whose {@code discovery.source} is {@code inference-pool} (the pods an InferencePool
 * selects, on its target ports) or {@code endpoint-selector} (the pods a label selector selects, on the configured
 * target ports). The Kubernetes client is looked up only when such a pool starts, so a gateway whose pools are all
 * static starts without a cluster.
 */
@Singleton
public class KubernetesEndpointSourceProvider implements EndpointSourceProvider {

    /** The discovery source of an InferencePool. */
    public static final String INFERENCE_POOL = "inference-pool";

    /** The discovery source of a bare label selector (llm-d's standalone mode). */
    public static final String ENDPOINT_SELECTOR = "endpoint-selector";

    /**
     * How often every watch lists afresh: a safety net for changes a resumed watch did not replay (see
     * {@link Watch#relist()}); a healthy API server replays them or answers 410 Gone, after which the informer lists
     * at once.
     */
    static final long RESYNC_MILLIS = 5 * 60_000L;

    private final Instance<KubernetesClient> clients;
    private final Map<String, PoolTarget> inferencePools = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;

    /**
     * One InferencePool a pool of ours serves, for the watches of its objectives and rewrites.
     *
     * @param pool our pool's name
     */
    public record PoolTarget(String pool, String namespace, String name, PoolGroup group) {
    }

    @Inject
    public KubernetesEndpointSourceProvider(Instance<KubernetesClient> clients) {
        this.clients = clients;
    }

    @Override
    public boolean supports(String source) {
        return INFERENCE_POOL.equals(source) || ENDPOINT_SELECTOR.equals(source);
    }

    @Override
    public EndpointSource create(String pool, PoolConfig.DiscoveryConfig discovery) {
        String namespace = namespace(discovery.namespace());
        PoolEndpointSource.Origin origin;
        if (INFERENCE_POOL.equals(discovery.source())) {
            PoolGroup group;
            try {
                group = PoolGroup.of(discovery.group().orElse(null));
            } catch (IllegalArgumentException e) {
                throw problem(pool, "group", e.getMessage());
            }
            String name = discovery.name().filter(n -> !n.isBlank()).orElse(pool);
            inferencePools.put(pool, new PoolTarget(pool, namespace, name, group));
            origin = new PoolEndpointSource.PoolObject(name, group);
        } else if (ENDPOINT_SELECTOR.equals(discovery.source())) {
            String selector = discovery.endpointSelector().filter(s -> !s.isBlank())
                    .orElseThrow(() -> problem(pool, "endpoint-selector",
                            "discovery.source=endpoint-selector needs discovery.endpoint-selector (key=value,...)"));
            List<Integer> ports = discovery.targetPorts().orElse(List.of());
            try {
                origin = new PoolEndpointSource.Fixed(new PoolSpec(selector.trim(), ports));
            } catch (IllegalArgumentException e) {
                throw problem(pool, "target-ports", e.getMessage());
            }
        } else {
            throw problem(pool, "source", "not a Kubernetes source: " + discovery.source());
        }
        return new PoolEndpointSource(pool, this::client, namespace, origin, RESYNC_MILLIS, executor());
    }

    /** The InferencePools the configured pools serve, by our pool's name. */
    public Map<String, PoolTarget> inferencePools() {
        return Map.copyOf(inferencePools);
    }

    /** The client, built on first use from {@code quarkus.kubernetes-client.*}, kubeconfig or the pod's account. */
    public KubernetesClient client() {
        if (!clients.isResolvable()) {
            throw new IllegalStateException("Kubernetes discovery needs a KubernetesClient bean; none is available");
        }
        return clients.get();
    }

    /** The single discovery thread: recomputations of every pool run there, one at a time. */
    synchronized ScheduledExecutorService executor() {
        if (executor == null) {
            executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "llmd-k8s-discovery");
                t.setDaemon(true);
                return t;
            });
        }
        return executor;
    }

    /** As llm-d: the flag, else the {@code NAMESPACE} environment variable (the pod's own), else {@code default}. */
    static String namespace(Optional<String> configured) {
        return configured.filter(n -> !n.isBlank()).map(String::trim)
                .or(() -> Optional.ofNullable(System.getenv("NAMESPACE")).filter(n -> !n.isBlank()))
                .orElse("default");
    }

    private static ConfigException problem(String pool, String field, String message) {
        return new ConfigException("quarkus.llmd.pools.\"" + pool + "\".discovery", 0, field, message);
    }

    @PreDestroy
    synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
