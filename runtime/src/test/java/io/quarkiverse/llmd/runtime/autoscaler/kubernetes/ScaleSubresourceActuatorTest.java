package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.ScalingReason;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;

/** The scale actuator against the fabric8 mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ScaleSubresourceActuatorTest {

    KubernetesClient client;

    private ScaleSubresourceActuator actuator;
    private final ScaleTarget deployment = new ScaleTarget("llm", "apps/v1", "Deployment", "qwen-decode");
    private final ScaleTarget lws = new ScaleTarget("llm", "leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet",
            "qwen-mn");

    @BeforeEach
    void setUp() {
        actuator = new ScaleSubresourceActuator(() -> client);
        Deployment d = new DeploymentBuilder().withNewMetadata().withName("qwen-decode").withNamespace("llm")
                .addToLabels("app", "qwen").endMetadata().withNewSpec().withReplicas(2)
                .withNewSelector().addToMatchLabels("app", "qwen").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", "qwen").endMetadata().withNewSpec().addNewContainer().withName("vllm")
                .withImage("vllm/vllm-openai").endContainer().endSpec().endTemplate().endSpec().build();
        client.apps().deployments().inNamespace("llm").resource(d).create();
        GenericKubernetesResource set = new GenericKubernetesResourceBuilder()
                .withApiVersion("leaderworkerset.x-k8s.io/v1").withKind("LeaderWorkerSet").withNewMetadata()
                .withName("qwen-mn").withNamespace("llm").endMetadata()
                .addToAdditionalProperties("spec", java.util.Map.of("replicas", 1, "leaderWorkerTemplate",
                        java.util.Map.of("size", 2)))
                .build();
        client.genericKubernetesResources(ScalableKinds.of(lws).orElseThrow()).inNamespace("llm").resource(set)
                .create();
    }

    private static ScalingDecision decision(int current, int desired) {
        return new ScalingDecision("v", "m", "H100", Role.BOTH, 0, current, current, desired, ScalingReason.MODEL,
                "test", null);
    }

    private static VariantDefinition variant(ScaleTarget target) {
        return new VariantDefinition(VariantSpec.of("v", "m", "H100", 10, 0, 8), "llm", "p", Optional.empty(),
                Optional.of("scale"), target, "test");
    }

    @Test
    void setsTheDeploymentsReplicasAndNothingElse() {
        Deployment before = client.apps().deployments().inNamespace("llm").withName("qwen-decode").get();
        assertThat(actuator.currentReplicas(deployment, variant(deployment))).hasValue(2);
        ScaleActuator.Actuation result = actuator.apply(deployment, decision(2, 5), variant(deployment));
        assertThat(result).isInstanceOf(ScaleActuator.Actuation.Applied.class);
        assertThat(result.detail()).isEqualTo("spec.replicas 2 -> 5");
        Deployment after = client.apps().deployments().inNamespace("llm").withName("qwen-decode").get();
        assertThat(after.getSpec().getReplicas()).isEqualTo(5);
        after.getSpec().setReplicas(2);
        assertThat(after.getSpec()).isEqualTo(before.getSpec());
        assertThat(after.getMetadata().getLabels()).isEqualTo(before.getMetadata().getLabels());
        assertThat(actuator.currentReplicas(deployment, variant(deployment))).hasValue(5);
    }

    @Test
    void anUnchangedCountWritesNothing() {
        String version = client.apps().deployments().inNamespace("llm").withName("qwen-decode").get().getMetadata()
                .getResourceVersion();
        assertThat(actuator.apply(deployment, decision(2, 2), variant(deployment)))
                .isInstanceOf(ScaleActuator.Actuation.Unchanged.class);
        assertThat(client.apps().deployments().inNamespace("llm").withName("qwen-decode").get().getMetadata()
                .getResourceVersion()).isEqualTo(version);
    }

    @Test
    void scalesALeaderWorkerSetKeepingItsTemplate() {
        assertThat(actuator.apply(lws, decision(1, 3), variant(lws)))
                .isInstanceOf(ScaleActuator.Actuation.Applied.class);
        GenericKubernetesResource after = client.genericKubernetesResources(ScalableKinds.of(lws).orElseThrow())
                .inNamespace("llm").withName("qwen-mn").get();
        assertThat(after.getAdditionalProperties().get("spec"))
                .isEqualTo(java.util.Map.of("replicas", 3, "leaderWorkerTemplate", java.util.Map.of("size", 2)));
    }

    @Test
    void aMissingTargetFailsAndUnknownKindsAreRefused() {
        ScaleTarget gone = new ScaleTarget("llm", "apps/v1", "Deployment", "gone");
        assertThat(actuator.apply(gone, decision(1, 2), variant(gone)))
                .isInstanceOf(ScaleActuator.Actuation.Failed.class);
        assertThat(actuator.supports(deployment)).isTrue();
        assertThat(actuator.supports(lws)).isTrue();
        assertThat(actuator.supports(new ScaleTarget("llm", "serving.kserve.io/v1alpha2", "LLMInferenceService",
                "x"))).isFalse();
    }
}
