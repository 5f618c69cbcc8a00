package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * Turns Kubernetes pods into the engine's {@link Endpoint}s the way llm-d's EPP does, for every Kubernetes source
 * (InferencePool, label selector, LLMInferenceService):
 * <ul>
 * <li>only pods that serve: condition {@code Ready=True}, a pod IP, and no deletion timestamp (a terminating pod
 * may still report Ready for its grace period, but it is draining and must not get new requests);</li>
 * <li>one endpoint per target port, named {@code <namespace>/<pod>-rank-<i>} where {@code i} is the port's index in
 * the target-port list (so a name stays the same while the pod lives, whatever the other ports do), at
 * {@code podIP:port};</li>
 * <li>the pod annotation {@value #ACTIVE_PORTS} (or the older {@value #LEGACY_ACTIVE_PORTS}), a comma-separated port
 * list, restricts which target ports are endpoints for that pod (data-parallel ranks that are not up yet);</li>
 * <li>the endpoint's labels are the pod's labels, so the {@value Endpoint#ROLE_LABEL} label KServe and llm-d put on
 * prefill and decode pods reaches the {@code prefill-filter} and {@code decode-filter}, which read
 * {@link Endpoint#role()}. The older GAIE key of the engine-type label is copied to the new key when only it is
 * present, so plugins need to know one key.</li>
 * </ul>
 * Pure functions, no client: the watches call them with the pods of their informer caches.
 */
public final class PodEndpoints {

    /** Annotation restricting the active target ports of a pod (llm-d v0.10). */
    public static final String ACTIVE_PORTS = "llm-d.ai/active-ports";

    /** The Gateway API Inference Extension's older key of {@link #ACTIVE_PORTS}, still read as a fallback. */
    public static final String LEGACY_ACTIVE_PORTS = "inference.networking.k8s.io/active-ports";

    /** Label naming the model-server engine ({@code vllm}, {@code sglang}, ...), llm-d v0.10. */
    public static final String ENGINE_TYPE = "llm-d.ai/engine-type";

    /** The older key of {@link #ENGINE_TYPE}. */
    public static final String LEGACY_ENGINE_TYPE = "inference.networking.k8s.io/engine-type";

    private static final Comparator<Endpoint> BY_NAME = Comparator.comparing(Endpoint::name);

    private PodEndpoints() {
    }

    /** Whether the pod may take requests: Ready, with an IP, not terminating. */
    public static boolean serving(Pod pod) {
        if (pod == null || pod.getMetadata() == null || pod.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (pod.getStatus() == null || blank(pod.getStatus().getPodIP())) {
            return false;
        }
        List<PodCondition> conditions = pod.getStatus().getConditions();
        if (conditions == null) {
            return false;
        }
        for (PodCondition c : conditions) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /**
     * The endpoints of one pod: none when it does not serve, else one per active target port.
     *
     * @param targetPorts the pool's target ports, in the pool's order (1 to 8 in an InferencePool)
     */
    public static List<Endpoint> of(Pod pod, List<Integer> targetPorts) {
        if (!serving(pod)) {
            return List.of();
        }
        Optional<Set<Integer>> active = activePorts(pod);
        String ip = pod.getStatus().getPodIP().trim();
        String host = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
        String base = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + "-rank-";
        Map<String, String> labels = labels(pod);
        List<Endpoint> endpoints = new ArrayList<>(targetPorts.size());
        for (int rank = 0; rank < targetPorts.size(); rank++) {
            int port = targetPorts.get(rank);
            if (active.isEmpty() || active.get().contains(port)) {
                endpoints.add(Endpoint.of(base + rank, host + ":" + port, labels));
            }
        }
        return endpoints;
    }

    /** The endpoints of many pods, sorted by name so that the same pods always publish the same list. */
    public static List<Endpoint> of(Collection<Pod> pods, List<Integer> targetPorts) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (Pod pod : pods) {
            endpoints.addAll(of(pod, targetPorts));
        }
        endpoints.sort(BY_NAME);
        return endpoints;
    }

    /**
     * The ports the pod's active-ports annotation lists (the new key wins over the older one), or empty when it
     * carries neither, in which case every target port is active. Entries that are not port numbers are skipped; an
     * annotation that lists no valid port leaves the pod with no active port, since it says the pod restricts them.
     */
    public static Optional<Set<Integer>> activePorts(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations == null) {
            return Optional.empty();
        }
        String value = annotations.get(ACTIVE_PORTS);
        if (value == null) {
            value = annotations.get(LEGACY_ACTIVE_PORTS);
        }
        if (value == null) {
            return Optional.empty();
        }
        Set<Integer> ports = new HashSet<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
                continue;
            }
            int port = Integer.parseInt(p);
            if (port >= 1 && port <= 65535) {
                ports.add(port);
            }
        }
        return Optional.of(ports);
    }

    private static Map<String, String> labels(Pod pod) {
        Map<String, String> podLabels = pod.getMetadata().getLabels();
        if (podLabels == null || podLabels.isEmpty()) {
            return Map.of();
        }
        if (!podLabels.containsKey(LEGACY_ENGINE_TYPE) || podLabels.containsKey(ENGINE_TYPE)) {
            return podLabels;
        }
        Map<String, String> labels = new HashMap<>(podLabels);
        labels.put(ENGINE_TYPE, podLabels.get(LEGACY_ENGINE_TYPE));
        return labels;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
