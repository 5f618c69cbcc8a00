package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.llmisvc.discovery.KubernetesEndpointSourceProvider.PoolTarget;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.PoolConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * At startup, for every pool that serves an InferencePool, watches the InferenceObjectives and InferenceModelRewrites
 * of the pool's namespace and applies them to the pool (a {@link PolicyWatch} each). Nothing happens, and no
 * Kubernetes client is built, when no pool's discovery source is {@code inference-pool}.
 */
@Singleton
public class PoolPolicies {

    private static final Logger LOG = Logger.getLogger(PoolPolicies.class);

    private final KubernetesEndpointSourceProvider provider;
    private final LlmdConfig config;
    private final Instance<Pools> pools;
    private final List<PolicyWatch> watches = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    @Inject
    public PoolPolicies(KubernetesEndpointSourceProvider provider, LlmdConfig config, Instance<Pools> pools) {
        this.provider = provider;
        this.config = config;
        this.pools = pools;
    }

    void start(@Observes StartupEvent event) {
        boolean any = KubernetesEndpointSourceProvider.INFERENCE_POOL.equals(config.discovery().source())
                || config.pools().values().stream()
                        .anyMatch(p -> KubernetesEndpointSourceProvider.INFERENCE_POOL.equals(p.discovery().source()));
        if (!any) {
            return;
        }
        Pools all = pools.get(); // builds the pools if nothing has yet, which registers their InferencePools
        for (PoolTarget target : provider.inferencePools().values()) {
            Pool pool = all.named(target.pool());
            if (pool == null) {
                continue;
            }
            PoolConfig pc = config.pools().getOrDefault(target.pool(), config);
            Map<String, Integer> priorities = new TreeMap<>();
            pc.objectives().forEach((name, o) -> priorities.put(name, o.priority()));
            Map<String, String> rewrites = pc.modelRewrites();
            // the client is built on the discovery thread: it takes seconds on a cold JVM
            provider.executor().execute(() -> {
                if (closed) {
                    return;
                }
                try {
                    watches.add(new PolicyWatch(provider.client(), target, pool.pipeline(), priorities, rewrites,
                            provider.executor(), KubernetesEndpointSourceProvider.RESYNC_MILLIS));
                } catch (RuntimeException e) {
                    LOG.errorf(e, "pool %s: InferenceObjectives and InferenceModelRewrites are not watched",
                            target.pool());
                }
            });
        }
    }

    @PreDestroy
    void close() {
        closed = true;
        watches.forEach(PolicyWatch::close);
        watches.clear();
    }
}
