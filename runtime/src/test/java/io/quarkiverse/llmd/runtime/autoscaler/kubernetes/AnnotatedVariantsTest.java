package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;

/** HPAs and ScaledObjects annotated as WVA reads them become variants; the mock API server runs in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class AnnotatedVariantsTest {

    KubernetesClient client;

    private void hpa(String name, Map<String, String> annotations, String target, Integer min, int max) {
        client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("llm").resource(
                new HorizontalPodAutoscalerBuilder().withNewMetadata().withName(name).withNamespace("llm")
                        .addToAnnotations(annotations).endMetadata().withNewSpec().withMinReplicas(min)
                        .withMaxReplicas(max).withNewScaleTargetRef().withName(target).withKind("Deployment")
                        .withApiVersion("apps/v1").endScaleTargetRef().endSpec().build())
                .create();
    }

    private void deployment(String name, Map<String, String> nodeSelector, Map<String, String> labels) {
        client.apps().deployments().inNamespace("llm").resource(new DeploymentBuilder().withNewMetadata()
                .withName(name).withNamespace("llm").endMetadata().withNewSpec().withNewTemplate().withNewMetadata()
                .addToLabels(labels).endMetadata().withNewSpec().addToNodeSelector(nodeSelector).addNewContainer()
                .withName("vllm").endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    @Test
    void annotatedHpasAndScaledObjectsBecomeVariants() {
        deployment("qwen-h100", Map.of("kubernetes.io/os", "linux", "nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"),
                Map.of("llm-d.ai/role", "decode"));
        hpa("qwen-h100", Map.of("llm-d.ai/managed", "true", "llm-d.ai/model-id", "Qwen/Qwen3-32B",
                "llm-d.ai/variant-cost", "40"), "qwen-h100", null, 8);
        hpa("unmanaged", Map.of("llm-d.ai/model-id", "Qwen/Qwen3-32B"), "qwen-h100", 1, 8);
        hpa("no-model", Map.of("llm-d.ai/managed", "true"), "qwen-h100", 1, 8);
        hpa("bad-cost", Map.of("llm-d.ai/managed", "true", "llm-d.ai/model-id", "m", "llm-d.ai/variant-cost",
                "cheap"), "qwen-h100", 1, 8);
        // a LeaderWorkerSet whose leader asks for an L4 through required node affinity, scaled by KEDA
        Map<String, Object> expression = Map.of("key", "cloud.google.com/gke-accelerator", "operator", "In",
                "values", List.of("nvidia-l4"));
        Map<String, Object> affinity = Map.of("nodeAffinity", Map.of("requiredDuringSchedulingIgnoredDuringExecution",
                Map.of("nodeSelectorTerms", List.of(Map.of("matchExpressions", List.of(expression))))));
        Map<String, Object> lwsSpec = Map.of("leaderWorkerTemplate",
                Map.of("leaderTemplate", Map.of("spec", Map.of("affinity", affinity))));
        client.genericKubernetesResources(ScalableKinds.of("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet")
                .orElseThrow()).inNamespace("llm").resource(new GenericKubernetesResourceBuilder()
                        .withApiVersion("leaderworkerset.x-k8s.io/v1").withKind("LeaderWorkerSet").withNewMetadata()
                        .withName("qwen-l4").withNamespace("llm").endMetadata()
                        .addToAdditionalProperties("spec", lwsSpec).build())
                .create();
        client.genericKubernetesResources(AnnotatedVariants.SCALED_OBJECTS).inNamespace("llm").resource(
                new GenericKubernetesResourceBuilder().withApiVersion("keda.sh/v1alpha1").withKind("ScaledObject")
                        .withNewMetadata().withName("qwen-l4").withNamespace("llm")
                        .addToAnnotations("llm-d.ai/managed", "true")
                        .addToAnnotations("llm-d.ai/model-id", "Qwen/Qwen3-32B").endMetadata()
                        .addToAdditionalProperties("spec", Map.of("maxReplicaCount", 4, "scaleTargetRef", Map.of(
                                "name", "qwen-l4", "kind", "LeaderWorkerSet", "apiVersion",
                                "leaderworkerset.x-k8s.io/v1")))
                        .build())
                .create();
        // a ScaledObject of a name an HPA already took: variant names are labels, so the first one keeps it
        client.genericKubernetesResources(AnnotatedVariants.SCALED_OBJECTS).inNamespace("llm").resource(
                new GenericKubernetesResourceBuilder().withApiVersion("keda.sh/v1alpha1").withKind("ScaledObject")
                        .withNewMetadata().withName("qwen-h100").withNamespace("llm")
                        .addToAnnotations("llm-d.ai/managed", "true")
                        .addToAnnotations("llm-d.ai/model-id", "Qwen/Qwen3-32B").endMetadata()
                        .addToAdditionalProperties("spec", Map.of("scaleTargetRef", Map.of("name", "qwen-h100")))
                        .build())
                .create();

        AnnotatedVariants.Found found = AnnotatedVariants.scan(client, List.of("llm"),
                model -> "Qwen/Qwen3-32B".equals(model) ? "qwen-pool" : null);

        assertThat(found.variants()).extracting(VariantDefinition::name).containsExactly("qwen-h100", "qwen-l4");
        VariantDefinition h100 = found.variants().get(0);
        assertThat(h100.namespace()).isEqualTo("llm");
        assertThat(h100.pool()).isEqualTo("qwen-pool");
        assertThat(h100.model()).isEqualTo("Qwen/Qwen3-32B");
        assertThat(h100.spec().hardwareClass()).isEqualTo("NVIDIA-H100-80GB-HBM3");
        assertThat(h100.spec().costPerReplicaHour()).isEqualTo(40.0);
        assertThat(h100.spec().minReplicas()).isEqualTo(1); // HPA default
        assertThat(h100.spec().maxReplicas()).isEqualTo(8);
        assertThat(h100.spec().role()).isEqualTo(Role.DECODE);
        assertThat(h100.actuator()).isEmpty(); // the HPA scales; we publish wva_desired_replicas for it
        assertThat(h100.target().toString()).isEqualTo("Deployment llm/qwen-h100 (apps/v1)");
        VariantDefinition l4 = found.variants().get(1);
        assertThat(l4.spec().hardwareClass()).isEqualTo("nvidia-l4");
        assertThat(l4.spec().costPerReplicaHour()).isEqualTo(10.0); // WVA's default cost
        assertThat(l4.spec().minReplicas()).isZero(); // KEDA's default minReplicaCount
        assertThat(l4.spec().maxReplicas()).isEqualTo(4);
        assertThat(l4.target().kind()).isEqualTo("LeaderWorkerSet");
        assertThat(found.problems()).hasSize(3).anySatisfy(p -> assertThat(p).contains("no-model")
                .contains("llm-d.ai/model-id")).anySatisfy(p -> assertThat(p).contains("bad-cost")
                        .contains("'cheap'")).anySatisfy(p -> assertThat(p).startsWith("ScaledObject llm/qwen-h100")
                                .contains("taken by HorizontalPodAutoscaler llm/qwen-h100"));
    }

    @Test
    void aModelNoPoolServesIsSkippedAndAMissingTargetIsUnknownHardware() {
        hpa("orphan", Map.of("llm-d.ai/managed", "true", "llm-d.ai/model-id", "other"), "nowhere", 1, 2);
        hpa("served", Map.of("llm-d.ai/managed", "true", "llm-d.ai/model-id", "m"), "nowhere", 1, 2);
        AnnotatedVariants.Found found = AnnotatedVariants.scan(client, List.of(), m -> "m".equals(m) ? "p" : null);
        assertThat(found.variants()).extracting(VariantDefinition::name).containsExactly("served");
        assertThat(found.variants().get(0).spec().hardwareClass()).isEqualTo("unknown");
        assertThat(found.problems()).singleElement().asString().contains("no gateway pool serves model other");
    }

    @Test
    void theAcceleratorLabelIsTheLastResort() {
        assertThat(AnnotatedVariants.accelerator(Map.of("metadata", Map.of("labels", Map.of(
                "inference.optimization/acceleratorName", "MI300X"))))).isEqualTo("MI300X");
        Map<String, Object> preference = Map.of("matchExpressions", List.of(Map.of("key",
                "amd.com/gpu.product-name", "operator", "In", "values", List.of("MI300X", "MI250"))));
        Map<String, Object> preferred = Map.of("nodeAffinity", Map.of(
                "preferredDuringSchedulingIgnoredDuringExecution", List.of(Map.of("weight", 1, "preference",
                        preference))));
        assertThat(AnnotatedVariants.accelerator(Map.of("spec", Map.of("affinity", preferred)))).isEqualTo("MI300X");
        assertThat(AnnotatedVariants.accelerator(Map.of())).isEqualTo("unknown");
    }
}
