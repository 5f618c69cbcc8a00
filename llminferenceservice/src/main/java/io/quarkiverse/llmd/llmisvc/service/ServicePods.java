package io.quarkiverse.llmd.llmisvc.service;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.llmisvc.discovery.PodEndpoints;

/**
 * Which pods serve an LLMInferenceService, by the labels KServe puts on them: {@code app.kubernetes.io/part-of=
 * llminferenceservice}, {@code app.kubernetes.io/name=<service>} and {@code kserve.io/component=workload} (KServe's
 * own InferencePool selector, spanning prefill and decode; the {@code llm-d.ai/role} label tells them apart and
 * becomes the endpoint's role). In a multi-node workload (a LeaderWorkerSet) only the leader serves HTTP: worker pods
 * ({@code ...-workload-worker[-prefill]}, or a LeaderWorkerSet worker index other than 0) are left out.
 */
public final class ServicePods {

    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String PART_OF_VALUE = "llminferenceservice";
    public static final String NAME = "app.kubernetes.io/name";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String KSERVE_COMPONENT = "kserve.io/component";
    public static final String WORKLOAD = "workload";
    public static final String LWS_WORKER_INDEX = "leaderworkerset.sigs.k8s.io/worker-index";

    /** The label selector of every pod of every LLMInferenceService: one informer serves them all. */
    public static final String ALL_WORKLOADS = PART_OF + "=" + PART_OF_VALUE + "," + KSERVE_COMPONENT + "=" + WORKLOAD;

    private ServicePods() {
    }

    /** The service a pod belongs to ({@code <namespace>/<name>}), or null when it is no workload pod of one. */
    public static String serviceOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null || !PART_OF_VALUE.equals(labels.get(PART_OF))
                || !WORKLOAD.equals(labels.get(KSERVE_COMPONENT))) {
            return null;
        }
        String name = labels.get(NAME);
        return name == null ? null : pod.getMetadata().getNamespace() + "/" + name;
    }

    /** Whether the pod is a worker of a multi-node workload (it does not serve HTTP; its leader does). */
    public static boolean worker(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null) {
            return false;
        }
        String component = labels.getOrDefault(COMPONENT, "");
        String index = labels.get(LWS_WORKER_INDEX);
        return component.contains("-workload-worker") || index != null && !"0".equals(index);
    }

    /** The endpoints of a service's pods: leaders and single-node pods that are Ready, one per target port. */
    public static List<Endpoint> endpoints(Collection<Pod> pods, List<Integer> targetPorts) {
        List<Pod> serving = new ArrayList<>(pods.size());
        for (Pod p : pods) {
            if (!worker(p)) {
                serving.add(p);
            }
        }
        return PodEndpoints.of(serving, targetPorts);
    }
}
