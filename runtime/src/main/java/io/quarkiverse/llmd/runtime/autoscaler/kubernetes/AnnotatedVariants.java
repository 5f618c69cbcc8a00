package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;

/**
 * Finds variants the way WVA does since its VariantAutoscaling CRD was removed (reference deltas 3.1): every HPA
 * ({@code autoscaling/v2}) and KEDA ScaledObject ({@code keda.sh/v1alpha1}) annotated {@code llm-d.ai/managed: "true"}
 * is a variant named after the object, serving {@code llm-d.ai/model-id} at {@code llm-d.ai/variant-cost} (default
 * 10), bounded by the object's min and max replicas, on the accelerator its scale target's pod template asks for.
 * The HPA or ScaledObject keeps scaling its target; it reads our {@code wva_desired_replicas} for that variant.
 */
final class AnnotatedVariants {

    static final String MANAGED = "llm-d.ai/managed";
    static final String MODEL_ID = "llm-d.ai/model-id";
    static final String VARIANT_COST = "llm-d.ai/variant-cost";
    static final double DEFAULT_COST = 10.0;
    /** Node-selector keys naming the accelerator, in the order WVA tries them. */
    static final List<String> ACCELERATOR_KEYS = List.of("nvidia.com/gpu.product", "cloud.google.com/gke-accelerator",
            "amd.com/gpu.product-name", "habana.ai/product.name", "gpu.intel.com/product");
    static final String ACCELERATOR_LABEL = "inference.optimization/acceleratorName";
    static final String ROLE_LABEL = "llm-d.ai/role";
    /** KEDA's defaults when a ScaledObject leaves the bounds out. */
    static final int KEDA_MIN = 0;
    static final int KEDA_MAX = 100;

    static final ResourceDefinitionContext SCALED_OBJECTS = new ResourceDefinitionContext.Builder()
            .withGroup("keda.sh").withVersion("v1alpha1").withKind("ScaledObject").withPlural("scaledobjects")
            .withNamespaced(true).build();

    /**
     * What a scan found.
     *
     * @param variants the usable variants, by name order of discovery
     * @param problems why an annotated object was skipped, one sentence each
     */
    record Found(List<VariantDefinition> variants, List<String> problems) {
    }

    private AnnotatedVariants() {
    }

    /**
     * Lists annotated HPAs and ScaledObjects and reads their scale targets.
     *
     * @param client the Kubernetes client
     * @param namespaces where to look; empty for every namespace
     * @param poolOf the gateway pool serving a model, or null when none does
     */
    static Found scan(KubernetesClient client, List<String> namespaces, Function<String, String> poolOf) {
        List<VariantDefinition> variants = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (HorizontalPodAutoscaler hpa : hpas(client, namespaces)) {
            if (!managed(hpa)) {
                continue;
            }
            var spec = hpa.getSpec();
            var ref = spec == null ? null : spec.getScaleTargetRef();
            int min = spec == null || spec.getMinReplicas() == null ? 1 : spec.getMinReplicas();
            int max = spec == null || spec.getMaxReplicas() == null ? 0 : spec.getMaxReplicas();
            add(client, hpa, "HorizontalPodAutoscaler", ref == null ? null : ref.getApiVersion(),
                    ref == null ? null : ref.getKind(), ref == null ? null : ref.getName(), min, max, poolOf, seen,
                    variants, problems);
        }
        for (GenericKubernetesResource so : scaledObjects(client, namespaces, problems)) {
            if (!managed(so)) {
                continue;
            }
            Map<?, ?> spec = map(so.getAdditionalProperties().get("spec"));
            Map<?, ?> ref = map(spec.get("scaleTargetRef"));
            int min = integer(spec.get("minReplicaCount"), KEDA_MIN);
            int max = integer(spec.get("maxReplicaCount"), KEDA_MAX);
            add(client, so, "ScaledObject", string(ref.get("apiVersion")), string(ref.get("kind")),
                    string(ref.get("name")), min, max, poolOf, seen, variants, problems);
        }
        return new Found(variants, problems);
    }

    private static List<HorizontalPodAutoscaler> hpas(KubernetesClient client, List<String> namespaces) {
        var op = client.autoscaling().v2().horizontalPodAutoscalers();
        if (namespaces.isEmpty()) {
            return op.inAnyNamespace().list().getItems();
        }
        List<HorizontalPodAutoscaler> all = new ArrayList<>();
        for (String ns : namespaces) {
            all.addAll(op.inNamespace(ns).list().getItems());
        }
        return all;
    }

    private static List<GenericKubernetesResource> scaledObjects(KubernetesClient client, List<String> namespaces,
            List<String> problems) {
        var op = client.genericKubernetesResources(SCALED_OBJECTS);
        try {
            if (namespaces.isEmpty()) {
                return op.inAnyNamespace().list().getItems();
            }
            List<GenericKubernetesResource> all = new ArrayList<>();
            for (String ns : namespaces) {
                all.addAll(op.inNamespace(ns).list().getItems());
            }
            return all;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of(); // KEDA is not installed: HPAs only
            }
            throw e;
        }
    }

    private static boolean managed(HasMetadata o) {
        Map<String, String> a = o.getMetadata().getAnnotations();
        return a != null && "true".equals(a.get(MANAGED));
    }

    private static void add(KubernetesClient client, HasMetadata owner, String ownerKind, String apiVersion,
            String kind, String targetName, int min, int max, Function<String, String> poolOf,
            Map<String, String> seen, List<VariantDefinition> variants, List<String> problems) {
        String ns = owner.getMetadata().getNamespace();
        String name = owner.getMetadata().getName();
        String source = ownerKind + " " + ns + "/" + name;
        Map<String, String> annotations = owner.getMetadata().getAnnotations();
        String model = annotations.get(MODEL_ID);
        if (model == null || model.isBlank()) {
            problems.add(source + ": " + MANAGED + " without " + MODEL_ID);
            return;
        }
        double cost;
        try {
            cost = annotations.containsKey(VARIANT_COST) ? Double.parseDouble(annotations.get(VARIANT_COST).trim())
                    : DEFAULT_COST;
        } catch (NumberFormatException e) {
            cost = -1;
        }
        if (!(cost >= 0) || Double.isInfinite(cost)) {
            problems.add(source + ": " + VARIANT_COST + " must be a number >= 0, got '" + annotations.get(VARIANT_COST)
                    + "'");
            return;
        }
        if (targetName == null || targetName.isBlank()) {
            problems.add(source + ": no scaleTargetRef name");
            return;
        }
        String pool = poolOf.apply(model);
        if (pool == null) {
            problems.add(source + ": no gateway pool serves model " + model);
            return;
        }
        String other = seen.putIfAbsent(name, source);
        if (other != null) {
            problems.add(source + ": the variant name " + name + " is taken by " + other);
            return;
        }
        ScaleTarget target = new ScaleTarget(ns, apiVersion == null || apiVersion.isBlank() ? "apps/v1" : apiVersion,
                kind == null || kind.isBlank() ? "Deployment" : kind, targetName);
        Map<?, ?> template = podTemplate(client, target);
        VariantSpec spec;
        try {
            spec = new VariantSpec(name, model, accelerator(template), Role.fromLabel(labels(template).get(ROLE_LABEL)),
                    cost, min, max, VariantSpec.DEFAULT_MAX_NUM_SEQS, VariantSpec.DEFAULT_MAX_NUM_BATCHED_TOKENS,
                    VariantSpec.DEFAULT_COLD_START_SECONDS);
        } catch (IllegalArgumentException e) {
            problems.add(source + ": " + e.getMessage());
            return;
        }
        variants.add(new VariantDefinition(spec, ns, pool, Optional.empty(), Optional.empty(), target, source));
    }

    /** The pod template of a scale target (the leader's for a LeaderWorkerSet), or an empty map. */
    static Map<?, ?> podTemplate(KubernetesClient client, ScaleTarget target) {
        Optional<ResourceDefinitionContext> context = ScalableKinds.of(target);
        if (context.isEmpty()) {
            return Map.of();
        }
        GenericKubernetesResource r = client.genericKubernetesResources(context.get())
                .inNamespace(target.namespace()).withName(target.name()).get();
        if (r == null) {
            return Map.of();
        }
        Map<?, ?> spec = map(r.getAdditionalProperties().get("spec"));
        if ("LeaderWorkerSet".equals(target.kind())) {
            Map<?, ?> lwt = map(spec.get("leaderWorkerTemplate"));
            Map<?, ?> leader = map(lwt.get("leaderTemplate"));
            return leader.isEmpty() ? map(lwt.get("workerTemplate")) : leader;
        }
        return map(spec.get("template"));
    }

    /**
     * The accelerator a pod template asks for, first match wins: a node-selector key, a required then a preferred
     * node-affinity {@code In} expression on those keys, the {@code inference.optimization/acceleratorName} label,
     * else {@code unknown}.
     */
    static String accelerator(Map<?, ?> template) {
        Map<?, ?> podSpec = map(template.get("spec"));
        Map<?, ?> selector = map(podSpec.get("nodeSelector"));
        for (String key : ACCELERATOR_KEYS) {
            String v = string(selector.get(key));
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        Map<?, ?> nodeAffinity = map(map(podSpec.get("affinity")).get("nodeAffinity"));
        List<Map<?, ?>> required = new ArrayList<>();
        for (Object term : list(map(nodeAffinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
                .get("nodeSelectorTerms"))) {
            required.add(map(term));
        }
        String found = inExpression(required);
        if (found != null) {
            return found;
        }
        List<Map<?, ?>> preferred = new ArrayList<>();
        for (Object p : list(nodeAffinity.get("preferredDuringSchedulingIgnoredDuringExecution"))) {
            preferred.add(map(map(p).get("preference")));
        }
        found = inExpression(preferred);
        if (found != null) {
            return found;
        }
        String label = labels(template).get(ACCELERATOR_LABEL);
        return label == null || label.isBlank() ? "unknown" : label;
    }

    private static String inExpression(List<Map<?, ?>> terms) {
        for (String key : ACCELERATOR_KEYS) {
            for (Map<?, ?> term : terms) {
                for (Object e : list(term.get("matchExpressions"))) {
                    Map<?, ?> expr = map(e);
                    List<?> values = list(expr.get("values"));
                    if (key.equals(expr.get("key")) && "In".equals(expr.get("operator")) && !values.isEmpty()) {
                        return String.valueOf(values.get(0));
                    }
                }
            }
        }
        return null;
    }

    private static Map<String, String> labels(Map<?, ?> template) {
        Map<String, String> out = new HashMap<>();
        map(map(template.get("metadata")).get("labels")).forEach((k, v) -> out.put(String.valueOf(k),
                String.valueOf(v)));
        return out;
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static String string(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static int integer(Object o, int otherwise) {
        return o instanceof Number n ? n.intValue() : otherwise;
    }
}
