package io.quarkiverse.llmd.llmisvc.service;

import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.RuntimePoolSource;
import io.quarkiverse.llmd.runtime.config.KServeConfig;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * One gateway, many LLMInferenceServices: when {@code quarkus.llmd.kserve.enabled} is on, watches the services that
 * opt in with {@value ServiceAnnotations#ENABLED}{@code : "true"} and serves a pool for each (see
 * {@link ServiceReconciler}). Off, it creates no Kubernetes client and does nothing.
 */
@Singleton
public class LlmInferenceServices implements RuntimePoolSource {

    private static final Logger LOG = Logger.getLogger(LlmInferenceServices.class);

    private final KServeConfig config;
    private final Instance<KubernetesClient> clients;
    /** Looked up at start: the pool producer asks this bean whether it is active, so no cycle at creation. */
    private final Instance<DynamicPools> pools;
    private volatile ServiceReconciler reconciler;
    private volatile ServiceWatch watch;

    public LlmInferenceServices(LlmdConfig llmd, Instance<KubernetesClient> clients, Instance<DynamicPools> pools) {
        this.config = llmd.kserve();
        this.clients = clients;
        this.pools = pools;
    }

    @Override
    public boolean active() {
        return config.enabled();
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        ServiceWatch.ApiVersion version = ServiceWatch.ApiVersion.of(config.apiVersion());
        KubernetesClient client = clients.get();
        List<String> namespaces = config.namespaces().filter(l -> !l.isEmpty())
                .orElseGet(() -> List.of(client.getNamespace() == null ? "default" : client.getNamespace()));
        reconciler = new ServiceReconciler(sink(pools.get()), new KubernetesConfigMaps(client),
                new KubernetesServiceEvents(client));
        watch = new ServiceWatch(client, namespaces, version, Math.max(0, config.resync().toMillis()), reconciler);
    }

    /** The pools of the gateway's {@link DynamicPools}, as the reconciler sees them. */
    static ServiceReconciler.PoolSink sink(DynamicPools pools) {
        return new ServiceReconciler.PoolSink() {
            @Override
            public void put(DynamicPools.Spec spec) {
                pools.put(spec);
            }

            @Override
            public void remove(String pool) {
                pools.remove(pool);
            }

            @Override
            public void endpoints(String pool, List<Endpoint> endpoints) {
                EndpointRegistry registry = pools.registry(pool);
                if (registry != null) {
                    registry.replaceAll(endpoints);
                }
            }

            @Override
            public void condition(String pool, String text) {
                pools.condition(pool, text);
            }
        };
    }

    /** The autoscaler hints of every served service, by pool ({@code <namespace>/<name>}); empty when off. */
    public Map<String, ServiceScalingHints> hints() {
        ServiceReconciler r = reconciler;
        return r == null ? Map.of() : r.hints();
    }

    /** The watch, once started (tests wait on it). */
    public ServiceWatch watch() {
        return watch;
    }

    @PreDestroy
    void stop() {
        ServiceWatch w = watch;
        if (w != null) {
            w.close();
            LOG.debug("LLMInferenceService watch closed");
        }
    }
}
