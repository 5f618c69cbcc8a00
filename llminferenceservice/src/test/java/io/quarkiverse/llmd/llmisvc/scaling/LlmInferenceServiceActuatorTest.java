package io.quarkiverse.llmd.llmisvc.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.ScalingReason;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.kserve.KServeCrds;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator.Actuation;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;

/**
 * The LLMInferenceService actuator against the fabric8 mock API server in CRUD mode: a decision moves exactly the
 * role's replicas field, and the stored object is otherwise the same, field for field, as before (compared in a
 * canonical JSON form, minus the field and the {@code resourceVersion} the server bumps on every write).
 */
@EnableKubernetesMockClient(crud = true)
class LlmInferenceServiceActuatorTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    private static final String NS = "llm";
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** A disaggregated service with fields of every kind the actuator must leave alone. */
    private static final String PD = """
            apiVersion: serving.kserve.io/v1alpha2
            kind: LLMInferenceService
            metadata:
              name: qwen-pd
              namespace: llm
              labels:
                team: a
              annotations:
                llm-d.ai/gateway: "true"
                serving.kserve.io/enable-served-by-header: "true"
            spec:
              model:
                uri: hf://Qwen/Qwen3-32B
                name: Qwen/Qwen3-32B
              replicas: 2
              parallelism:
                tensor: 2
              labels:
                tier: decode
              template:
                containers:
                  - name: main
                    image: ghcr.io/llm-d/llm-d-cuda:v0.9.0
                    args: ["--max-num-seqs", "64"]
              prefill:
                replicas: 1
                labels:
                  tier: prefill
                template:
                  containers:
                    - name: main
                      image: ghcr.io/llm-d/llm-d-cuda:v0.9.0
              router:
                route: {}
                scheduler:
                  replicas: 2
            status:
              url: http://gateway.example.com/llm/qwen-pd
            """;

    private static final String AGGREGATED = """
            apiVersion: serving.kserve.io/v1alpha2
            kind: LLMInferenceService
            metadata:
              name: qwen
              namespace: llm
            spec:
              model:
                uri: hf://Qwen/Qwen3-32B
              replicas: 3
            """;

    private static final String SCALED = """
            apiVersion: serving.kserve.io/v1alpha2
            kind: LLMInferenceService
            metadata:
              name: qwen-keda
              namespace: llm
            spec:
              model:
                uri: hf://Qwen/Qwen3-32B
              scaling:
                minReplicas: 1
                maxReplicas: 4
                keda: {}
            """;

    private LlmInferenceServiceActuator actuator;

    @BeforeEach
    void setUp() {
        for (CustomResourceDefinition crd : KServeCrds.all()) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd)
                    .createOr(NonDeletingOperation::update);
        }
        actuator = new LlmInferenceServiceActuator(() -> client);
        create(PD);
        create(AGGREGATED);
        create(SCALED);
    }

    @AfterEach
    void tearDown() {
        services("v1alpha2").inNamespace(NS).delete();
        services("v1alpha1").inNamespace(NS).delete();
    }

    private static io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, ?, ?> services(
            String version) {
        return client.genericKubernetesResources(new ResourceDefinitionContext.Builder()
                .withGroup("serving.kserve.io").withVersion(version).withKind("LLMInferenceService")
                .withPlural("llminferenceservices").withNamespaced(true).build());
    }

    /** Stored through the generic client, so that the object holds every field of the YAML, typed or not. */
    private static void create(String yaml) {
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        String version = r.getApiVersion().substring(r.getApiVersion().indexOf('/') + 1);
        services(version).inNamespace(NS).resource(r).create();
    }

    /** The stored object as JSON, fields in a canonical order. */
    private static JsonNode stored(String version, String name) {
        GenericKubernetesResource r = services(version).inNamespace(NS).withName(name).get();
        return CANONICAL.valueToTree(r);
    }

    /**
     * Canonical bytes of an object without the given spec path and what the server owns: {@code resourceVersion}
     * and {@code generation} (bumped by every spec write) and a null {@code status} (the mock server writes one back
     * on every write of an object that has none; the API server does not store nulls).
     */
    private static String without(JsonNode object, String... specPath) throws Exception {
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.get("metadata")).remove(List.of("resourceVersion", "generation"));
        if (copy.path("status").isNull()) {
            copy.remove("status");
        }
        ObjectNode parent = (ObjectNode) copy.get("spec");
        for (int i = 0; i < specPath.length - 1; i++) {
            parent = (ObjectNode) parent.get(specPath[i]);
        }
        parent.remove(specPath[specPath.length - 1]);
        return CANONICAL.writeValueAsString(CANONICAL.treeToValue(copy, Object.class));
    }

    private static ScaleTarget target(String name) {
        return new ScaleTarget(NS, "serving.kserve.io/v1alpha2", "LLMInferenceService", name);
    }

    private static VariantDefinition variant(ScaleTarget target, Role role) {
        return new VariantDefinition(VariantSpec.of("qwen-" + role.label(), "Qwen/Qwen3-32B", "H100", 10, 0, 8)
                .withRole(role), NS, "qwen-pool", Optional.empty(), Optional.of(LlmInferenceServiceActuator.NAME),
                target, "test");
    }

    private static ScalingDecision decision(Role role, int current, int desired) {
        return new ScalingDecision("qwen-" + role.label(), "Qwen/Qwen3-32B", "H100", role, 0, current, current,
                desired, ScalingReason.MODEL, "test", null);
    }

    @Test
    void aDecodeDecisionMovesSpecReplicasAndNothingElse() throws Exception {
        ScaleTarget t = target("qwen-pd");
        JsonNode before = stored("v1alpha2", "qwen-pd");
        assertThat(actuator.currentReplicas(t, variant(t, Role.DECODE))).hasValue(2);

        Actuation result = actuator.apply(t, decision(Role.DECODE, 2, 5), variant(t, Role.DECODE));

        assertThat(result).isInstanceOf(Actuation.Applied.class);
        assertThat(result.detail()).isEqualTo("spec.replicas 2 -> 5");
        var request = server.getLastRequest();
        assertThat(request.getMethod()).isEqualTo("PATCH");
        assertThat(request.getHeader("Content-Type")).startsWith("application/merge-patch+json");
        JsonNode after = stored("v1alpha2", "qwen-pd");
        assertThat(after.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(after.at("/spec/prefill/replicas").asInt()).isEqualTo(1);
        assertThat(without(after, "replicas")).isEqualTo(without(before, "replicas"));
        // and the stripped form is not blind: the field itself is the difference
        assertThat(without(after, "model")).isNotEqualTo(without(before, "model"));
        assertThat(actuator.currentReplicas(t, variant(t, Role.DECODE))).hasValue(5);
    }

    @Test
    void aPrefillDecisionMovesSpecPrefillReplicasAndNothingElse() throws Exception {
        ScaleTarget t = target("qwen-pd");
        JsonNode before = stored("v1alpha2", "qwen-pd");
        assertThat(actuator.currentReplicas(t, variant(t, Role.PREFILL))).hasValue(1);

        Actuation result = actuator.apply(t, decision(Role.PREFILL, 1, 3), variant(t, Role.PREFILL));

        assertThat(result).isInstanceOf(Actuation.Applied.class);
        assertThat(result.detail()).isEqualTo("spec.prefill.replicas 1 -> 3");
        JsonNode after = stored("v1alpha2", "qwen-pd");
        assertThat(after.at("/spec/prefill/replicas").asInt()).isEqualTo(3);
        assertThat(after.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(without(after, "prefill", "replicas")).isEqualTo(without(before, "prefill", "replicas"));
        assertThat(actuator.currentReplicas(t, variant(t, Role.PREFILL))).hasValue(3);
    }

    @Test
    void anAggregatedServiceIsScaledByABothVariant() {
        ScaleTarget t = target("qwen");
        Actuation result = actuator.apply(t, decision(Role.BOTH, 3, 0), variant(t, Role.BOTH));
        assertThat(result.detail()).isEqualTo("spec.replicas 3 -> 0");
        assertThat(stored("v1alpha2", "qwen").at("/spec/replicas").asInt()).isZero();
    }

    @Test
    void anUnchangedCountWritesNothing() {
        ScaleTarget t = target("qwen-pd");
        String version = stored("v1alpha2", "qwen-pd").at("/metadata/resourceVersion").asText();
        Actuation result = actuator.apply(t, decision(Role.DECODE, 2, 2), variant(t, Role.DECODE));
        assertThat(result).isInstanceOf(Actuation.Unchanged.class);
        assertThat(result.detail()).isEqualTo("spec.replicas already 2");
        assertThat(stored("v1alpha2", "qwen-pd").at("/metadata/resourceVersion").asText()).isEqualTo(version);
    }

    @Test
    void aMissingServiceIsAFailedActuationNotAnException() {
        ScaleTarget gone = target("gone");
        Actuation result = actuator.apply(gone, decision(Role.BOTH, 1, 2), variant(gone, Role.BOTH));
        assertThat(result).isInstanceOf(Actuation.Failed.class);
        assertThat(result.detail()).isEqualTo("LLMInferenceService llm/gone (serving.kserve.io/v1alpha2) not found");
        assertThat(actuator.currentReplicas(gone, variant(gone, Role.BOTH))).isEmpty();
        assertThat(services("v1alpha2").inNamespace(NS).withName("gone").get()).isNull();
    }

    @Test
    void aPrefillVariantNeverMakesAnAggregatedServiceDisaggregated() throws Exception {
        ScaleTarget t = target("qwen");
        JsonNode before = stored("v1alpha2", "qwen");
        Actuation result = actuator.apply(t, decision(Role.PREFILL, 0, 2), variant(t, Role.PREFILL));
        assertThat(result).isInstanceOf(Actuation.Failed.class);
        assertThat(result.detail()).contains("has no spec.prefill");
        assertThat(stored("v1alpha2", "qwen")).isEqualTo(before);
    }

    @Test
    void aServiceWhoseScalingIsSetIsLeftToKServesAutoscaler() {
        ScaleTarget t = target("qwen-keda");
        JsonNode before = stored("v1alpha2", "qwen-keda");
        Actuation result = actuator.apply(t, decision(Role.BOTH, 1, 3), variant(t, Role.BOTH));
        assertThat(result).isInstanceOf(Actuation.Failed.class);
        assertThat(result.detail()).contains("spec.scaling is set");
        assertThat(stored("v1alpha2", "qwen-keda")).isEqualTo(before);
        assertThat(actuator.currentReplicas(t, variant(t, Role.BOTH))).isEmpty();
    }

    @Test
    void theOlderServedVersionWorksTheSameWay() throws Exception {
        create(AGGREGATED.replace("v1alpha2", "v1alpha1").replace("name: qwen\n", "name: qwen-old\n"));
        ScaleTarget t = new ScaleTarget(NS, "serving.kserve.io/v1alpha1", "LLMInferenceService", "qwen-old");
        JsonNode before = stored("v1alpha1", "qwen-old");
        Actuation result = actuator.apply(t, decision(Role.BOTH, 3, 4), variant(t, Role.BOTH));
        assertThat(result.detail()).isEqualTo("spec.replicas 3 -> 4");
        JsonNode after = stored("v1alpha1", "qwen-old");
        assertThat(after.at("/spec/replicas").asInt()).isEqualTo(4);
        assertThat(without(after, "replicas")).isEqualTo(without(before, "replicas"));
    }

    @Test
    void itScalesLlmInferenceServicesOnly() {
        assertThat(actuator.supports(target("x"))).isTrue();
        assertThat(actuator.supports(new ScaleTarget(NS, "serving.kserve.io/v1alpha1", "LLMInferenceService", "x")))
                .isTrue();
        assertThat(actuator.supports(new ScaleTarget(NS, "apps/v1", "Deployment", "x"))).isFalse();
        assertThat(actuator.supports(new ScaleTarget(NS, "serving.kserve.io/v1beta1", "InferenceService", "x")))
                .isFalse();
        assertThat(Map.of("name", actuator.name())).containsEntry("name", "llminferenceservice");
    }
}
