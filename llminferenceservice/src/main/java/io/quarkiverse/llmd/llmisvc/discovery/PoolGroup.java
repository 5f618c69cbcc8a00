package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.Arrays;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** The API groups an InferencePool may come from, as llm-d's {@code --pool-group} names them. */
public enum PoolGroup {

    /** The Gateway API Inference Extension's GA group, version v1: the default. */
    GA("inference.networking.k8s.io", "v1"),

    /** The experimental group of GAIE up to v1.5 (version v1alpha2), which KServe still reconciles when installed. */
    X_K8S("inference.networking.x-k8s.io", "v1alpha2");

    private final String group;
    private final String version;

    PoolGroup(String group, String version) {
        this.group = group;
        this.version = version;
    }

    public String group() {
        return group;
    }

    /** The resource as the generic client addresses it, with no discovery round trip. */
    ResourceDefinitionContext context() {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
                .withKind("InferencePool").withPlural("inferencepools").withNamespaced(true).build();
    }

    /**
     * The group named {@code group}; empty or absent means {@link #GA}.
     *
     * @throws IllegalArgumentException for any other group
     */
    public static PoolGroup of(String group) {
        if (group == null || group.isBlank()) {
            return GA;
        }
        for (PoolGroup g : values()) {
            if (g.group.equals(group.trim())) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown InferencePool group '" + group + "'; expected one of "
                + Arrays.stream(values()).map(PoolGroup::group).collect(Collectors.joining(", ")));
    }
}
