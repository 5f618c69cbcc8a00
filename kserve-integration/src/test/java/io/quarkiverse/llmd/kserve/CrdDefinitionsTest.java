package io.quarkiverse.llmd.kserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.CustomResource;

/** The CRD files load as CustomResourceDefinitions, are structural, and agree with the generated classes. */
class CrdDefinitionsTest {

    /** Generated class of each (CRD file, version) pair. */
    private static final Map<Class<? extends CustomResource<?, ?>>, String> CLASSES = Map.of(
            io.kserve.serving.v1alpha1.LLMInferenceService.class, "serving.kserve.io_llminferenceservices.yaml",
            io.kserve.serving.v1alpha2.LLMInferenceService.class, "serving.kserve.io_llminferenceservices.yaml",
            io.kserve.serving.v1alpha1.LLMInferenceServiceConfig.class,
            "serving.kserve.io_llminferenceserviceconfigs.yaml",
            io.kserve.serving.v1alpha2.LLMInferenceServiceConfig.class,
            "serving.kserve.io_llminferenceserviceconfigs.yaml",
            io.k8s.networking.inference.v1.InferencePool.class, "inference.networking.k8s.io_inferencepools.yaml",
            ai.llm_d.v1alpha2.InferenceObjective.class, "llm-d.ai_inferenceobjectives.yaml",
            ai.llm_d.v1alpha2.InferenceModelRewrite.class, "llm-d.ai_inferencemodelrewrites.yaml",
            io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class,
            "inference.networking.x-k8s.io_inferenceobjectives.yaml",
            io.x_k8s.networking.inference.v1alpha2.InferenceModelRewrite.class,
            "inference.networking.x-k8s.io_inferencemodelrewrites.yaml");

    @Test
    void everyFileIsANamespacedCrdWithOneStorageVersion() {
        List<CustomResourceDefinition> crds = KServeCrds.all();
        assertThat(crds).hasSize(KServeCrds.FILES.size());
        assertThat(crds).extracting(crd -> crd.getMetadata().getName()).doesNotHaveDuplicates().containsExactly(
                "llminferenceservices.serving.kserve.io",
                "llminferenceserviceconfigs.serving.kserve.io",
                "inferencepools.inference.networking.k8s.io",
                "inferenceobjectives.llm-d.ai",
                "inferencemodelrewrites.llm-d.ai",
                "inferenceobjectives.inference.networking.x-k8s.io",
                "inferencemodelrewrites.inference.networking.x-k8s.io");
        for (CustomResourceDefinition crd : crds) {
            assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
            assertThat(crd.getSpec().getVersions()).filteredOn(CustomResourceDefinitionVersion::getStorage).hasSize(1);
            assertThat(crd.getSpec().getVersions()).allSatisfy(v -> {
                assertThat(v.getServed()).isTrue();
                assertThat(v.getSubresources().getStatus()).isNotNull();
            });
        }
    }

    @Test
    void llmInferenceServiceServesBothVersionsAndStoresV1alpha2() {
        CustomResourceDefinition crd = KServeCrds.load("serving.kserve.io_llminferenceservices.yaml");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("llmisvc");
        assertThat(crd.getSpec().getVersions()).extracting(CustomResourceDefinitionVersion::getName)
                .containsExactly("v1alpha1", "v1alpha2");
        assertThat(crd.getSpec().getVersions()).filteredOn(CustomResourceDefinitionVersion::getStorage)
                .extracting(CustomResourceDefinitionVersion::getName).containsExactly("v1alpha2");
    }

    @Test
    void generatedClassesMatchTheirCrd() {
        CLASSES.forEach((type, file) -> {
            CustomResourceDefinition crd = KServeCrds.load(file);
            assertThat(CustomResource.getCRDName(type)).as(type.getName()).isEqualTo(crd.getMetadata().getName());
            assertThat(HasMetadata.getGroup(type)).isEqualTo(crd.getSpec().getGroup());
            assertThat(HasMetadata.getPlural(type)).isEqualTo(crd.getSpec().getNames().getPlural());
            assertThat(HasMetadata.getKind(type)).isEqualTo(crd.getSpec().getNames().getKind());
            assertThat(crd.getSpec().getVersions()).extracting(CustomResourceDefinitionVersion::getName)
                    .contains(HasMetadata.getVersion(type));
        });
    }

    /**
     * The API server refuses non-structural schemas in apiextensions/v1: every node needs a type unless it is
     * int-or-string or keeps unknown fields.
     */
    @Test
    void schemasAreStructural() {
        List<String> untyped = new ArrayList<>();
        for (CustomResourceDefinition crd : KServeCrds.all()) {
            for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
                collectUntyped(crd.getMetadata().getName() + "/" + v.getName(), v.getSchema().getOpenAPIV3Schema(),
                        untyped);
            }
        }
        assertThat(untyped).isEmpty();
    }

    private static void collectUntyped(String path, JSONSchemaProps node, List<String> untyped) {
        boolean exempt = Boolean.TRUE.equals(node.getXKubernetesIntOrString())
                || Boolean.TRUE.equals(node.getXKubernetesPreserveUnknownFields());
        if (node.getType() == null && !exempt) {
            untyped.add(path);
        }
        if (node.getProperties() != null) {
            node.getProperties().forEach((name, child) -> collectUntyped(path + "." + name, child, untyped));
        }
        if (node.getItems() != null && node.getItems().getSchema() != null) {
            collectUntyped(path + "[]", node.getItems().getSchema(), untyped);
        }
        if (node.getAdditionalProperties() != null && node.getAdditionalProperties().getSchema() != null) {
            collectUntyped(path + "{}", node.getAdditionalProperties().getSchema(), untyped);
        }
    }
}
