package io.quarkiverse.llmd.llmisvc.scaling;

import java.util.OptionalInt;
import java.util.function.Supplier;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;
import io.quarkiverse.llmd.runtime.autoscaler.kubernetes.LazyKubernetesClient;

/**
 * Applies decisions to a KServe {@code LLMInferenceService} ({@code serving.kserve.io/v1alpha2}, or the still served
 * {@code v1alpha1}) by setting one field: {@code spec.replicas} for a variant of role {@code both} or {@code decode},
 * {@code spec.prefill.replicas} for a variant of role {@code prefill} (the prefill workload of a disaggregated
 * service). KServe then carries the count to the Deployment or LeaderWorkerSet it manages. Variants choose it with
 * {@code actuator=llminferenceservice}, {@code target.kind=LLMInferenceService} and
 * {@code target.api-version=serving.kserve.io/v1alpha2}.
 *
 * <p>
 * The write is a JSON merge patch of that field alone, carrying the {@code resourceVersion} that was read: the other
 * spec fields, the labels and annotations stay as they are, and if the object changed between the read and the write
 * (someone added {@code scaling}, or removed {@code prefill}) the API server refuses it with a conflict and the next
 * decision reads again. Nothing is written when the field already has the decided count.
 *
 * <p>
 * Refused, as a failed actuation with a sentence, never an exception: a missing object; a workload whose
 * {@code scaling} is set (KServe's HPA or ScaledObject owns its replicas, and the CRD forbids {@code replicas} beside
 * {@code scaling}); a prefill variant on a service without {@code spec.prefill} (writing the field would create a
 * prefill workload and turn an aggregated service into a disaggregated one).
 */
@Singleton
public class LlmInferenceServiceActuator implements ScaleActuator {

    /** The name variants choose this actuator by. */
    public static final String NAME = "llminferenceservice";
    static final String KIND = "LLMInferenceService";
    static final String V1ALPHA2 = "serving.kserve.io/v1alpha2";
    static final String V1ALPHA1 = "serving.kserve.io/v1alpha1";

    private final Supplier<KubernetesClient> client;

    @Inject
    public LlmInferenceServiceActuator(Instance<KubernetesClient> clients) {
        this(new LazyKubernetesClient(clients, "the LLMInferenceService actuator"));
    }

    /** For tests: a given client. */
    LlmInferenceServiceActuator(Supplier<KubernetesClient> client) {
        this.client = client;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(ScaleTarget target) {
        return KIND.equals(target.kind()) && (V1ALPHA2.equals(target.apiVersion())
                || V1ALPHA1.equals(target.apiVersion()));
    }

    /** The workload of a service that one role scales, as read. */
    record Workload(boolean present, Integer replicas, boolean scaling, String resourceVersion) {
    }

    /** The field a role's decisions set. */
    static String field(Role role) {
        return role == Role.PREFILL ? "spec.prefill.replicas" : "spec.replicas";
    }

    @Override
    public OptionalInt currentReplicas(ScaleTarget target, VariantDefinition variant) {
        Workload w = read(target, variant.spec().role());
        if (w == null || !w.present() || w.scaling()) {
            return OptionalInt.empty();
        }
        // absent: KServe's workload default of one replica
        return OptionalInt.of(w.replicas() == null ? 1 : w.replicas());
    }

    @Override
    public Actuation apply(ScaleTarget target, ScalingDecision decision, VariantDefinition variant) {
        Role role = variant.spec().role();
        String field = field(role);
        int desired = decision.desiredReplicas();
        try {
            Workload w = read(target, role);
            if (w == null) {
                return new Actuation.Failed(target + " not found");
            }
            if (!w.present()) {
                return new Actuation.Failed(target + " has no spec.prefill: variant " + variant.name()
                        + " has role prefill but the service is not disaggregated");
            }
            if (w.scaling()) {
                return new Actuation.Failed(target + ": " + field.replace("replicas", "scaling")
                        + " is set, so KServe's HPA or ScaledObject owns the replicas; remove it to let this actuator"
                        + " scale, or let that autoscaler read wva_desired_replicas");
            }
            if (w.replicas() != null && w.replicas() == desired) {
                return new Actuation.Unchanged(field + " already " + desired);
            }
            String workload = role == Role.PREFILL ? "{\"prefill\":{\"replicas\":" + desired + "}}"
                    : "{\"replicas\":" + desired + "}";
            String patch = "{\"metadata\":{\"resourceVersion\":\"" + w.resourceVersion() + "\"},\"spec\":" + workload
                    + "}";
            resource(target).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            return new Actuation.Applied(field + " " + (w.replicas() == null ? "unset" : w.replicas()) + " -> "
                    + desired);
        } catch (KubernetesClientException e) {
            return new Actuation.Failed("patching " + field + " of " + target + " failed: " + e.getCode() + " "
                    + e.getMessage());
        }
    }

    private io.fabric8.kubernetes.client.dsl.Resource<?> resource(ScaleTarget target) {
        Class<? extends io.fabric8.kubernetes.client.CustomResource<?, ?>> type = V1ALPHA1.equals(target.apiVersion())
                ? io.kserve.serving.v1alpha1.LLMInferenceService.class
                : io.kserve.serving.v1alpha2.LLMInferenceService.class;
        return client.get().resources(type).inNamespace(target.namespace()).withName(target.name());
    }

    /**
     * The role's workload of the target, or null when the object does not exist. Read as a JSON tree: both API
     * versions' generated types carry the same fields but share no interface.
     */
    private Workload read(ScaleTarget target, Role role) {
        Object service = resource(target).get();
        if (service == null) {
            return null;
        }
        JsonNode tree = client.get().getKubernetesSerialization().convertValue(service, JsonNode.class);
        JsonNode spec = tree.path("spec");
        JsonNode workload = role == Role.PREFILL ? spec.path("prefill") : spec;
        boolean present = workload.isObject() || role != Role.PREFILL;
        JsonNode replicas = workload.path("replicas");
        return new Workload(present, replicas.isIntegralNumber() ? replicas.intValue() : null,
                workload.hasNonNull("scaling"), tree.path("metadata").path("resourceVersion").asText(null));
    }
}
