package io.quarkiverse.llmd.kserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/** What integration tests do: register our CRDs with the mock API server in CRUD mode and use typed clients. */
@EnableKubernetesMockClient(crud = true)
class MockServerCrudTest {

    static KubernetesClient client;

    @BeforeEach
    void registerCrds() {
        // the server lives as long as the class; registering twice must not fail
        for (CustomResourceDefinition crd : KServeCrds.all()) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd)
                    .createOr(NonDeletingOperation::update);
        }
    }

    @Test
    void crdsAreListedByTheServer() {
        assertThat(client.apiextensions().v1().customResourceDefinitions().list().getItems())
                .extracting(crd -> crd.getMetadata().getName())
                .contains("llminferenceservices.serving.kserve.io", "inferencepools.inference.networking.k8s.io",
                        "inferenceobjectives.llm-d.ai", "inferenceobjectives.inference.networking.x-k8s.io");
    }

    @Test
    void typedLlmInferenceServiceRoundTrip() {
        var svc = sample("llmisvc-v1alpha2-pd.yaml", io.kserve.serving.v1alpha2.LLMInferenceService.class);
        svc.setStatus(null);
        client.resources(io.kserve.serving.v1alpha2.LLMInferenceService.class).inNamespace("team-a").resource(svc)
                .create();

        var listed = client.resources(io.kserve.serving.v1alpha2.LLMInferenceService.class).inNamespace("team-a")
                .list().getItems();
        assertThat(listed).singleElement().satisfies(s -> {
            assertThat(s.getMetadata().getName()).isEqualTo("llama-pd");
            assertThat(s.getSpec().getRouter().getScheduler().getConfig().getRef().getName())
                    .isEqualTo("llama-pd-epp");
            assertThat(s.getSpec().getModel().getLora().getAdapters()).hasSize(2);
        });
        assertThat(client.resources(io.kserve.serving.v1alpha2.LLMInferenceService.class).inNamespace("other")
                .list().getItems()).isEmpty();
    }

    @Test
    void poolsAndObjectivesSelectedByLabel() {
        var pool = sample("inferencepool-v1.yaml", io.k8s.networking.inference.v1.InferencePool.class);
        pool.getMetadata().setLabels(Map.of("team", "a"));
        client.resources(io.k8s.networking.inference.v1.InferencePool.class).inNamespace("default").resource(pool)
                .create();
        var objective = sample("inferenceobjective-llmd.yaml", ai.llm_d.v1alpha2.InferenceObjective.class);
        client.resources(ai.llm_d.v1alpha2.InferenceObjective.class).inNamespace("default").resource(objective)
                .create();
        var legacy = sample("inferenceobjective-legacy.yaml",
                io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class);
        client.resources(io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class).inNamespace("default")
                .resource(legacy).create();

        List<io.k8s.networking.inference.v1.InferencePool> pools = client
                .resources(io.k8s.networking.inference.v1.InferencePool.class).inNamespace("default")
                .withLabel("team", "a").list().getItems();
        assertThat(pools).singleElement()
                .satisfies(p -> assertThat(p.getSpec().getTargetPorts()).extracting(t -> t.getNumber())
                        .containsExactly(8000, 8001));
        // the two groups are distinct resources: each typed client sees only its own
        assertThat(client.resources(ai.llm_d.v1alpha2.InferenceObjective.class).inNamespace("default").list()
                .getItems()).extracting(o -> o.getMetadata().getName()).containsExactly("batch-summaries");
        assertThat(client.resources(io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class)
                .inNamespace("default").list().getItems()).extracting(o -> o.getMetadata().getName())
                .containsExactly("interactive-chat");
    }

    private static <T> T sample(String file, Class<T> type) {
        InputStream in = MockServerCrudTest.class.getResourceAsStream("/samples/" + file);
        assertThat(in).as(file).isNotNull();
        return Serialization.unmarshal(in, type);
    }
}
