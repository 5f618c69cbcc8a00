package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.k8s.networking.inference.v1.InferencePool;

/**
 * What selects a pool's endpoints: the pods' label selector and the target ports, from an InferencePool or from
 * llm-d's standalone flags. Two specs are equal when they select the same endpoints, so a pool update that changes
 * neither (status, annotations) does not restart the pod watch.
 *
 * @param labelSelector the selector in its string form, keys sorted ({@code app=vllm,kserve.io/component=workload})
 * @param targetPorts 1 to 8 distinct ports, in the pool's order (a port's index is its endpoints' rank)
 */
public record PoolSpec(String labelSelector, List<Integer> targetPorts) {

    /** Most target ports an InferencePool may list. */
    public static final int MAX_TARGET_PORTS = 8;

    public PoolSpec {
        if (labelSelector == null || labelSelector.isBlank()) {
            throw new IllegalArgumentException("the pool selects no pods: its selector is empty");
        }
        if (targetPorts == null || targetPorts.isEmpty() || targetPorts.size() > MAX_TARGET_PORTS) {
            throw new IllegalArgumentException("a pool needs 1 to " + MAX_TARGET_PORTS + " target ports, got "
                    + (targetPorts == null ? "none" : targetPorts));
        }
        for (Integer p : targetPorts) {
            if (p == null || p < 1 || p > 65535) {
                throw new IllegalArgumentException("target port " + p + " is outside 1-65535");
            }
        }
        if (new LinkedHashSet<>(targetPorts).size() != targetPorts.size()) {
            throw new IllegalArgumentException("target ports must be distinct: " + targetPorts);
        }
        targetPorts = List.copyOf(targetPorts);
    }

    /** {@code matchLabels} as a selector string, keys sorted so that equal maps give equal strings. */
    public static String selectorOf(Map<String, String> matchLabels) {
        if (matchLabels == null || matchLabels.isEmpty()) {
            return "";
        }
        return new TreeMap<>(matchLabels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /**
     * The spec of a GA ({@code inference.networking.k8s.io/v1}) pool: {@code spec.selector.matchLabels} and
     * {@code spec.targetPorts[].number}.
     *
     * @throws IllegalArgumentException naming what the pool lacks
     */
    public static PoolSpec of(InferencePool pool) {
        var spec = pool.getSpec();
        if (spec == null) {
            throw new IllegalArgumentException("the InferencePool has no spec");
        }
        Map<String, String> labels = spec.getSelector() == null ? null : spec.getSelector().getMatchLabels();
        List<Integer> ports = new ArrayList<>();
        if (spec.getTargetPorts() != null) {
            spec.getTargetPorts().forEach(p -> ports.add(p == null ? null : p.getNumber()));
        }
        return new PoolSpec(selectorOf(labels), ports);
    }

    /**
     * The spec of an older {@code inference.networking.x-k8s.io/v1alpha2} pool, read without a model class (the
     * group is gone from GAIE v1.6): {@code spec.selector} is a plain label map and {@code spec.targetPortNumber}
     * the single port.
     *
     * @throws IllegalArgumentException naming what the pool lacks
     */
    public static PoolSpec ofV1alpha2(GenericKubernetesResource pool) {
        Object spec = pool.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> s)) {
            throw new IllegalArgumentException("the InferencePool has no spec");
        }
        Map<String, String> labels = new TreeMap<>();
        if (s.get("selector") instanceof Map<?, ?> selector) {
            selector.forEach((k, v) -> labels.put(String.valueOf(k), String.valueOf(v)));
        }
        Integer port = Optional.ofNullable(s.get("targetPortNumber")).filter(Number.class::isInstance)
                .map(n -> ((Number) n).intValue()).orElse(null);
        return new PoolSpec(selectorOf(labels), port == null ? List.of() : List.of(port));
    }
}
