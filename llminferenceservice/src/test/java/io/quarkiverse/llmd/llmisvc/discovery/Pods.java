package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** Pods as the kubelet reports them, for tests. */
final class Pods {

    static final String NAMESPACE = "llm";

    private Pods() {
    }

    static Pod ready(String name, String ip, Map<String, String> labels) {
        return pod(name, ip, labels, "True");
    }

    static Pod notReady(String name, String ip) {
        return pod(name, ip, Map.of(), "False");
    }

    static Pod pod(String name, String ip, Map<String, String> labels, String ready) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).withLabels(labels)
                .endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("vllm").endContainer().endSpec()
                .withNewStatus().withPodIP(ip).withPhase("Running")
                .addNewCondition().withType("Ready").withStatus(ready).endCondition()
                .endStatus().build();
    }

    static Pod terminating(Pod pod) {
        return new PodBuilder(pod).editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build();
    }

    static Pod annotated(Pod pod, String key, String value) {
        Map<String, String> annotations = new HashMap<>(
                pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations());
        annotations.put(key, value);
        return new PodBuilder(pod).editMetadata().withAnnotations(annotations).endMetadata().build();
    }

    static Pod withReady(Pod pod, String ready) {
        return new PodBuilder(pod).editStatus().withConditions().addNewCondition().withType("Ready")
                .withStatus(ready).endCondition().endStatus().build();
    }
}
