package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;

/**
 * Sets {@code spec.replicas} of a Deployment, StatefulSet or LeaderWorkerSet to the decided count, with a JSON merge
 * patch of that one field (the object's other fields, and any field another controller owns, are left alone), and
 * only when it differs. Variants choose it with {@code actuator=scale}.
 *
 * <p>
 * Use it for targets no HPA or ScaledObject scales: an HPA would set the count back at its next sync. An
 * LLMInferenceService ({@code spec.replicas}, {@code spec.prefill.replicas}) is scaled by an actuator of the
 * {@code llminferenceservice} module through the same {@link ScaleActuator} contract, since the runtime knows no
 * KServe type.
 */
@Singleton
public class ScaleSubresourceActuator implements ScaleActuator {

    /** The name variants choose this actuator by. */
    public static final String NAME = "scale";

    private final Supplier<KubernetesClient> client;

    @Inject
    public ScaleSubresourceActuator(Instance<KubernetesClient> clients) {
        this(new LazyKubernetesClient(clients, "the scale actuator"));
    }

    ScaleSubresourceActuator(Supplier<KubernetesClient> client) {
        this.client = client;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(ScaleTarget target) {
        return ScalableKinds.of(target).isPresent();
    }

    private Resource<GenericKubernetesResource> resource(ScaleTarget target) {
        return client.get().genericKubernetesResources(ScalableKinds.of(target).orElseThrow())
                .inNamespace(target.namespace()).withName(target.name());
    }

    @Override
    public OptionalInt currentReplicas(ScaleTarget target, VariantDefinition variant) {
        GenericKubernetesResource r = resource(target).get();
        return r == null ? OptionalInt.empty() : replicas(r);
    }

    /** {@code spec.replicas} of a workload; absent means 1, as the API server defaults it. */
    static OptionalInt replicas(GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> m)) {
            return OptionalInt.empty();
        }
        Object replicas = m.get("replicas");
        return replicas instanceof Number n ? OptionalInt.of(n.intValue())
                : replicas == null ? OptionalInt.of(1) : OptionalInt.empty();
    }

    @Override
    public Actuation apply(ScaleTarget target, ScalingDecision decision, VariantDefinition variant) {
        int desired = decision.desiredReplicas();
        try {
            Resource<GenericKubernetesResource> resource = resource(target);
            GenericKubernetesResource current = resource.get();
            if (current == null) {
                return new Actuation.Failed(target + " not found");
            }
            OptionalInt now = replicas(current);
            if (now.isPresent() && now.getAsInt() == desired) {
                return new Actuation.Unchanged("spec.replicas already " + desired);
            }
            resource.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + desired + "}}");
            return new Actuation.Applied("spec.replicas " + (now.isPresent() ? now.getAsInt() : "?") + " -> "
                    + desired);
        } catch (KubernetesClientException e) {
            return new Actuation.Failed("patching " + target + " failed: " + e.getCode() + " " + e.getMessage());
        }
    }
}
