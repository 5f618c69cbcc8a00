package io.quarkiverse.llmd.llmisvc.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.utils.Serialization;

/** The samples of the KServe model module, read through the typed classes of both versions. */
class ServiceViewTest {

    /** The samples live beside the model module's tests (surefire runs in this module's directory). */
    private static <T> T sample(String file, Class<T> type) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("../kserve-integration/src/test/resources/samples", file))) {
            return Serialization.unmarshal(in, type);
        }
    }

    @Test
    void aDisaggregatedServiceWithLoraAndAConfigMapRef() throws IOException {
        ServiceView v = ServiceView.of(sample("llmisvc-v1alpha2-pd.yaml",
                io.kserve.serving.v1alpha2.LLMInferenceService.class));
        assertThat(v.poolName()).isEqualTo("team-a/llama-pd");
        assertThat(v.models()).containsExactlyInAnyOrder("meta-llama/Llama-3.1-8B-Instruct", "sql-lora",
                "summarize-lora");
        assertThat(v.disaggregated()).isTrue();
        assertThat(v.configRef()).isEqualTo(new ConfigMapRef("llama-pd-epp", "epp-config.yaml"));
        assertThat(v.inlineConfig()).isNull();
        assertThat(v.targetPorts()).containsExactly(8000);
        assertThat(v.problem()).isNull();
    }

    @Test
    void anInlineConfigIsKeptAsText() throws IOException {
        ServiceView v = ServiceView.of(sample("llmisvc-v1alpha2-inline-config.yaml",
                io.kserve.serving.v1alpha2.LLMInferenceService.class));
        assertThat(v.inlineConfig()).contains("EndpointPickerConfig");
        assertThat(v.configRef()).isNull();
    }

    @Test
    void v1alpha1ReadsTheSameWay() throws IOException {
        ServiceView v = ServiceView.of(sample("llmisvc-v1alpha1.yaml",
                io.kserve.serving.v1alpha1.LLMInferenceService.class));
        assertThat(v.apiVersion()).isEqualTo("serving.kserve.io/v1alpha1");
        assertThat(v.models()).containsExactly("facebook/opt-125m");
    }

    @Test
    void aServiceWithoutModelNameServesItsOwnNameAndAnUnnamedAdapterIsAProblem() {
        var tree = Serialization.jsonMapper().createObjectNode();
        tree.put("apiVersion", "serving.kserve.io/v1alpha2");
        tree.putObject("metadata").put("name", "svc").put("namespace", "ns");
        tree.putObject("spec").putObject("model").put("uri", "hf://x").putObject("lora").putArray("adapters")
                .addObject().put("uri", "hf://a");
        ServiceView v = ServiceView.of(tree);
        assertThat(v.models()).containsExactly("svc");
        assertThat(v.problem()).contains("adapters[0] has no name");
    }
}
