package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;

/**
 * The workload kinds whose {@code spec.replicas} the generic actuator and discovery know, with their REST plural, so
 * that no API discovery round trip is needed: Deployment, StatefulSet and LeaderWorkerSet (the scale targets WVA
 * supports, plus StatefulSet).
 */
final class ScalableKinds {

    private static final Map<String, ResourceDefinitionContext> KINDS = Map.of(
            "apps/v1/Deployment", context("apps", "v1", "Deployment", "deployments"),
            "apps/v1/StatefulSet", context("apps", "v1", "StatefulSet", "statefulsets"),
            "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet",
            context("leaderworkerset.x-k8s.io", "v1", "LeaderWorkerSet", "leaderworkersets"));

    private ScalableKinds() {
    }

    private static ResourceDefinitionContext context(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /** The REST context of a target's kind, or empty for a kind we do not scale. */
    static Optional<ResourceDefinitionContext> of(ScaleTarget target) {
        return of(target.apiVersion(), target.kind());
    }

    static Optional<ResourceDefinitionContext> of(String apiVersion, String kind) {
        return Optional.ofNullable(KINDS.get(apiVersion + "/" + kind));
    }
}
