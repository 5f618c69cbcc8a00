package io.quarkiverse.llmd.knative;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.RevisionTemplateSpec;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkiverse.llmd.engine.autoscaling.Calibration;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;
import io.quarkiverse.llmd.runtime.autoscaler.kubernetes.LazyKubernetesClient;

/**
 * Applies decisions to a Knative Service ({@code serving.knative.dev/v1}, for model servers that run as Knative
 * Services or as KServe InferenceServices in Knative mode) through the annotations of its revision template
 * ({@code spec.template.metadata.annotations}), which Knative copies to the Revision and its PodAutoscaler:
 * <ul>
 * <li>{@code autoscaling.knative.dev/min-scale} = the decided replicas: our decision is the floor;</li>
 * <li>{@code autoscaling.knative.dev/max-scale} = the variant's maximum: Knative's own autoscaler may still absorb a
 * burst between two of our decisions, up to the bound we would also respect;</li>
 * <li>{@code autoscaling.knative.dev/initial-scale} = the decided replicas, at least 1 (Knative refuses 0 unless
 * {@code allow-zero-initial-scale} is on): a new revision starts where we are;</li>
 * <li>{@code autoscaling.knative.dev/target} = the calibrated batch limit (requests one replica holds), written only
 * while the variant's model is confidently calibrated; otherwise the Service's own target stays.</li>
 * </ul>
 * Exactly those keys are written and nothing else, and only when one differs: a template change rolls out a new
 * Revision, so an unchanged decision must not write. Use it with variant {@code actuator=knative} and
 * {@code target.kind=Service}, {@code target.api-version=serving.knative.dev/v1}.
 */
@Singleton
public class KnativeScaleActuator implements ScaleActuator {

    /** The name variants choose this actuator by. */
    public static final String NAME = "knative";
    static final String API_VERSION = "serving.knative.dev/v1";
    static final String PREFIX = "autoscaling.knative.dev/";
    static final String MIN_SCALE = PREFIX + "min-scale";
    static final String MAX_SCALE = PREFIX + "max-scale";
    static final String INITIAL_SCALE = PREFIX + "initial-scale";
    static final String TARGET = PREFIX + "target";

    private final Supplier<KubernetesClient> client;

    @Inject
    public KnativeScaleActuator(Instance<KubernetesClient> clients) {
        this(new LazyKubernetesClient(clients, "the Knative actuator"));
    }

    /** For tests: a given client. */
    KnativeScaleActuator(Supplier<KubernetesClient> client) {
        this.client = client;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(ScaleTarget target) {
        return "Service".equals(target.kind()) && API_VERSION.equals(target.apiVersion());
    }

    private KnativeClient knative() {
        return client.get().adapt(KnativeClient.class);
    }

    /** The replicas Knative wants for the Service's latest ready Revision (pending ones included). */
    @Override
    public OptionalInt currentReplicas(ScaleTarget target, VariantDefinition variant) {
        Service service = knative().services().inNamespace(target.namespace()).withName(target.name()).get();
        if (service == null || service.getStatus() == null || service.getStatus().getLatestReadyRevisionName() == null) {
            return OptionalInt.empty();
        }
        Revision revision = knative().revisions().inNamespace(target.namespace())
                .withName(service.getStatus().getLatestReadyRevisionName()).get();
        if (revision == null || revision.getStatus() == null) {
            return OptionalInt.empty();
        }
        Integer desired = revision.getStatus().getDesiredReplicas();
        Integer actual = revision.getStatus().getActualReplicas();
        return desired != null ? OptionalInt.of(desired) : actual != null ? OptionalInt.of(actual) : OptionalInt.empty();
    }

    @Override
    public Actuation apply(ScaleTarget target, ScalingDecision decision, VariantDefinition variant) {
        Map<String, String> wanted = annotations(decision, variant);
        try {
            var resource = knative().services().inNamespace(target.namespace()).withName(target.name());
            Service service = resource.get();
            if (service == null) {
                return new Actuation.Failed(target + " not found");
            }
            if (service.getSpec() == null) {
                return new Actuation.Failed(target + " has no spec");
            }
            Map<String, String> current = templateAnnotations(service);
            Map<String, String> changes = new LinkedHashMap<>();
            wanted.forEach((k, v) -> {
                if (!v.equals(current.get(k))) {
                    changes.put(k, v);
                }
            });
            if (changes.isEmpty()) {
                return new Actuation.Unchanged("annotations already " + wanted);
            }
            // edit() sends a JSON patch of the difference: only the changed annotation keys travel
            resource.edit(s -> {
                RevisionTemplateSpec template = s.getSpec().getTemplate();
                if (template == null) {
                    template = new RevisionTemplateSpec();
                    s.getSpec().setTemplate(template);
                }
                if (template.getMetadata() == null) {
                    template.setMetadata(new ObjectMeta());
                }
                Map<String, String> annotations = template.getMetadata().getAnnotations() == null
                        ? new LinkedHashMap<>()
                        : new LinkedHashMap<>(template.getMetadata().getAnnotations());
                annotations.putAll(changes);
                template.getMetadata().setAnnotations(annotations);
                return s;
            });
            return new Actuation.Applied("set " + changes);
        } catch (KubernetesClientException e) {
            return new Actuation.Failed("patching " + target + " failed: " + e.getCode() + " " + e.getMessage());
        }
    }

    private static Map<String, String> templateAnnotations(Service service) {
        RevisionTemplateSpec template = service.getSpec().getTemplate();
        if (template == null || template.getMetadata() == null || template.getMetadata().getAnnotations() == null) {
            return Map.of();
        }
        return template.getMetadata().getAnnotations();
    }

    /** The annotations a decision asks for. */
    static Map<String, String> annotations(ScalingDecision decision, VariantDefinition variant) {
        Map<String, String> a = new LinkedHashMap<>();
        int desired = decision.desiredReplicas();
        a.put(MIN_SCALE, Integer.toString(desired));
        a.put(MAX_SCALE, Integer.toString(variant.spec().maxReplicas()));
        a.put(INITIAL_SCALE, Integer.toString(Math.max(1, desired)));
        Calibration c = decision.inputs() == null ? null : decision.inputs().calibration();
        if (c != null && c.confident()) {
            a.put(TARGET, Integer.toString(c.maxBatch()));
        }
        return a;
    }
}
