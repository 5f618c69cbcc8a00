package io.quarkiverse.llmd.llmisvc.service;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.runtime.DynamicPools;

/**
 * Turns annotated LLMInferenceServices into pools: one pool per service, named {@code <namespace>/<name>}, serving
 * the service's model and LoRA adapters, scheduled by the service's EndpointPickerConfig (our annotation's
 * ConfigMap, else {@code spec.router.scheduler.config.inline}, else its {@code ref}, else llm-d's default), with the
 * service's serving pods as endpoints.
 * <p>
 * A service whose annotations, config or models cannot be applied keeps its last good pool (or gets none, if it never
 * had one); the reason goes to a Warning Event on the service (once per distinct reason, so a resync does not repeat
 * it) and to the pool's condition on our side. KServe's status is never written. The watch calls it from one thread;
 * {@link #pools()} and {@link #hints()} may be read from any.
 */
public final class ServiceReconciler {

    private static final Logger LOG = Logger.getLogger(ServiceReconciler.class);

    /** Where pools go (the gateway's {@link DynamicPools}; a plain directory in tests). */
    public interface PoolSink {

        /** Adds or replaces a pool; all or nothing. */
        void put(DynamicPools.Spec spec);

        void remove(String pool);

        /** Publishes the pool's endpoints. */
        void endpoints(String pool, List<Endpoint> endpoints);

        /** Records why the pool's last change was refused; null clears it. */
        void condition(String pool, String text);
    }

    /** Reads a ConfigMap key: its text, or null when the ConfigMap or the key does not exist. */
    public interface ConfigMaps {
        String read(String namespace, ConfigMapRef ref);
    }

    /** Writes a Warning Event about a service. */
    public interface Events {
        void warning(ServiceView service, String reason, String message);
    }

    /** What is in force for a service: the last configuration that was applied. */
    private record Applied(DynamicPools.Spec spec, List<Integer> targetPorts, ServiceScalingHints hints) {
    }

    private final PoolSink pools;
    private final ConfigMaps configMaps;
    private final Events events;
    private final Map<String, Applied> applied = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, String> reported = new HashMap<>();

    public ServiceReconciler(PoolSink pools, ConfigMaps configMaps, Events events) {
        this.pools = pools;
        this.configMaps = configMaps;
        this.events = events;
    }

    /**
     * Brings the service's pool in line with the service (added or changed), and publishes its endpoints.
     *
     * @param pods the service's workload pods now
     */
    public void serviceChanged(ServiceView service, Collection<Pod> pods) {
        String pool = service.poolName();
        if (!ServiceAnnotations.optedIn(service.annotations())) {
            if (applied.containsKey(pool)) {
                LOG.infof("LLMInferenceService %s no longer carries %s=true: removing its pool", pool,
                        ServiceAnnotations.ENABLED);
            }
            serviceDeleted(pool);
            return;
        }
        ServiceAnnotations annotations;
        try {
            annotations = ServiceAnnotations.parse(service.annotations());
        } catch (IllegalArgumentException e) {
            refuse(service, "InvalidAnnotation", e.getMessage());
            return;
        }
        if (service.problem() != null) {
            refuse(service, "InvalidModel", service.problem());
            return;
        }
        String origin;
        String text;
        ConfigMapRef ref = annotations.schedulerConfig().orElse(service.inlineConfig() == null ? service.configRef()
                : null);
        if (ref != null) {
            origin = service.namespace() + "/" + ref.name() + "[" + ref.key() + "]";
            text = configMaps.read(service.namespace(), ref);
            if (text == null) {
                refuse(service, "SchedulerConfigNotFound", "no key " + ref.key() + " in ConfigMap "
                        + service.namespace() + "/" + ref.name() + (annotations.schedulerConfig().isPresent()
                                ? " (named by " + ServiceAnnotations.SCHEDULER_CONFIG + ")"
                                : " (spec.router.scheduler.config.ref)"));
                return;
            }
        } else if (service.inlineConfig() != null) {
            origin = pool + " spec.router.scheduler.config.inline";
            text = service.inlineConfig();
        } else {
            origin = pool + " (llm-d's default EndpointPickerConfig)";
            text = null;
        }
        DynamicPools.Spec spec = new DynamicPools.Spec(pool, service.models(), origin, text);
        Applied before = applied.get(pool);
        if (before == null || !before.spec().equals(spec)) {
            try {
                pools.put(spec);
            } catch (ConfigException e) {
                refuse(service, "InvalidSchedulerConfig", e.getMessage());
                return;
            } catch (IllegalArgumentException e) {
                refuse(service, "PoolConflict", e.getMessage());
                return;
            }
        }
        applied.put(pool, new Applied(spec, service.targetPorts(), annotations.hints()));
        if (reported.remove(pool) != null) {
            LOG.infof("LLMInferenceService %s: configuration applied again", pool);
        }
        pools.condition(pool, null);
        podsChanged(pool, pods);
    }

    /** Publishes the endpoints of a service's pool from its pods now; ignored for a service without a pool. */
    public void podsChanged(String pool, Collection<Pod> pods) {
        Applied a = applied.get(pool);
        if (a != null) {
            pools.endpoints(pool, ServicePods.endpoints(pods, a.targetPorts()));
        }
    }

    /** Removes the service's pool (deleted, or no longer opted in). */
    public void serviceDeleted(String pool) {
        reported.remove(pool);
        if (applied.remove(pool) != null) {
            pools.remove(pool);
        }
        pools.condition(pool, null);
    }

    /** The pools this reconciler manages, sorted. */
    public Set<String> pools() {
        return new TreeSet<>(applied.keySet());
    }

    /** The scaling hints in force per pool (those of the last configuration applied). */
    public Map<String, ServiceScalingHints> hints() {
        Map<String, ServiceScalingHints> out = new HashMap<>();
        applied.forEach((pool, a) -> out.put(pool, a.hints()));
        return Map.copyOf(out);
    }

    private void refuse(ServiceView service, String reason, String message) {
        String pool = service.poolName();
        boolean kept = applied.containsKey(pool);
        String text = reason + ": " + message + (kept ? "; the last good configuration stays in force"
                : "; no pool until this is fixed");
        pools.condition(pool, text);
        if (!text.equals(reported.put(pool, text))) {
            LOG.warnf("LLMInferenceService %s: %s", pool, text);
            events.warning(service, reason, text);
        }
    }
}
