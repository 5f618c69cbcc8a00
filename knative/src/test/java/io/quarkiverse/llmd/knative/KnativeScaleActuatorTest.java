package io.quarkiverse.llmd.knative;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.RevisionBuilder;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.quarkiverse.llmd.engine.autoscaling.Calibration;
import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.ScalingReason;
import io.quarkiverse.llmd.engine.autoscaling.ServiceParameters;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;

/** The Knative actuator against the fabric8 mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KnativeScaleActuatorTest {

    KubernetesClient client;

    private KnativeScaleActuator actuator;
    private final ScaleTarget target = new ScaleTarget("llm", "serving.knative.dev/v1", "Service", "qwen");
    private final VariantDefinition variant = new VariantDefinition(
            VariantSpec.of("qwen-h100", "Qwen/Qwen3-32B", "H100", 10, 0, 6), "llm", "default-pool", Optional.empty(),
            Optional.of("knative"), target, "test");

    @BeforeEach
    void setUp() {
        actuator = new KnativeScaleActuator(() -> client);
        Service service = new ServiceBuilder().withNewMetadata().withName("qwen").withNamespace("llm")
                .addToAnnotations("serving.knative.dev/creator", "someone").endMetadata()
                .withNewSpec().withNewTemplate().withNewMetadata()
                .addToAnnotations("autoscaling.knative.dev/class", "kpa.autoscaling.knative.dev")
                .addToAnnotations("autoscaling.knative.dev/metric", "concurrency")
                .addToAnnotations("autoscaling.knative.dev/min-scale", "1")
                .addToAnnotations("example.com/owner", "team-a")
                .addToLabels("app", "qwen").endMetadata()
                .withNewSpec().withContainerConcurrency(0L).addNewContainer().withName("vllm")
                .withImage("vllm/vllm-openai:v0.11.0").addToArgs("--max-num-seqs", "64").endContainer().endSpec()
                .endTemplate().endSpec()
                .withNewStatus().withLatestReadyRevisionName("qwen-00007").endStatus().build();
        kn().services().inNamespace("llm").resource(service).create();
    }

    private KnativeClient kn() {
        return client.adapt(KnativeClient.class);
    }

    private static ScalingDecision decision(int current, int desired, Calibration calibration) {
        return new ScalingDecision("qwen-h100", "Qwen/Qwen3-32B", "H100", Role.BOTH, 0, current, current, desired,
                ScalingReason.MODEL, "test", new ScalingDecision.Inputs(3, 4000, 1000, 0, calibration, 0.2, null,
                        desired, null, 0, 0, 0));
    }

    private Service read() {
        return kn().services().inNamespace("llm").withName("qwen").get();
    }

    @Test
    void writesMinMaxInitialScaleAndTheCalibratedTargetAndNothingElse() {
        Service before = read();
        Calibration confident = new Calibration(new ServiceParameters(10, 0.1, 0.01), 80, 0.05, 1, true, 24);
        ScaleActuator.Actuation result = actuator.apply(target, decision(1, 3, confident), variant);
        assertThat(result).isInstanceOf(ScaleActuator.Actuation.Applied.class);

        Service after = read();
        Map<String, String> annotations = after.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("autoscaling.knative.dev/min-scale", "3")
                .containsEntry("autoscaling.knative.dev/max-scale", "6")
                .containsEntry("autoscaling.knative.dev/initial-scale", "3")
                .containsEntry("autoscaling.knative.dev/target", "24")
                .containsEntry("autoscaling.knative.dev/class", "kpa.autoscaling.knative.dev")
                .containsEntry("autoscaling.knative.dev/metric", "concurrency")
                .containsEntry("example.com/owner", "team-a").hasSize(7);

        // everything but those four keys is as it was: the rest of the template, the Service's own metadata
        Map<String, String> without = new LinkedHashMap<>(annotations);
        without.keySet().removeAll(java.util.List.of("autoscaling.knative.dev/min-scale",
                "autoscaling.knative.dev/max-scale", "autoscaling.knative.dev/initial-scale",
                "autoscaling.knative.dev/target"));
        Map<String, String> beforeWithout = new LinkedHashMap<>(before.getSpec().getTemplate().getMetadata()
                .getAnnotations());
        beforeWithout.remove("autoscaling.knative.dev/min-scale");
        assertThat(without).isEqualTo(beforeWithout);
        assertThat(after.getSpec().getTemplate().getSpec()).isEqualTo(before.getSpec().getTemplate().getSpec());
        assertThat(after.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(before.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(after.getSpec().getTraffic()).isEqualTo(before.getSpec().getTraffic());
        assertThat(after.getMetadata().getAnnotations()).isEqualTo(before.getMetadata().getAnnotations());
    }

    @Test
    void anUnchangedDecisionWritesNothingSoNoRevisionRollsOut() {
        actuator.apply(target, decision(1, 2, null), variant);
        String version = read().getMetadata().getResourceVersion();
        ScaleActuator.Actuation again = actuator.apply(target, decision(2, 2, null), variant);
        assertThat(again).isInstanceOf(ScaleActuator.Actuation.Unchanged.class);
        assertThat(read().getMetadata().getResourceVersion()).isEqualTo(version);
    }

    @Test
    void withoutACalibratedModelTheServicesOwnTargetStays() {
        kn().services().inNamespace("llm").withName("qwen").edit(s -> {
            s.getSpec().getTemplate().getMetadata().getAnnotations().put("autoscaling.knative.dev/target", "10");
            return s;
        });
        Calibration unsure = new Calibration(null, 3, Double.POSITIVE_INFINITY, 0, false, 256);
        actuator.apply(target, decision(2, 0, unsure), variant);
        Map<String, String> annotations = read().getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("autoscaling.knative.dev/target", "10")
                .containsEntry("autoscaling.knative.dev/min-scale", "0")
                // Knative refuses initial-scale 0 unless allow-zero-initial-scale is on
                .containsEntry("autoscaling.knative.dev/initial-scale", "1");
    }

    @Test
    void aMissingServiceFailsWithoutThrowing() {
        ScaleTarget gone = new ScaleTarget("llm", "serving.knative.dev/v1", "Service", "gone");
        ScaleActuator.Actuation result = actuator.apply(gone, decision(1, 2, null), variant);
        assertThat(result).isInstanceOf(ScaleActuator.Actuation.Failed.class);
        assertThat(result.detail()).contains("llm/gone").contains("not found");
    }

    @Test
    void currentReplicasAreTheLatestReadyRevisionsDesiredReplicas() {
        Revision revision = new RevisionBuilder().withNewMetadata().withName("qwen-00007").withNamespace("llm")
                .endMetadata().withNewStatus().withDesiredReplicas(4).withActualReplicas(3).endStatus().build();
        kn().revisions().inNamespace("llm").resource(revision).create();
        assertThat(actuator.currentReplicas(target, variant)).hasValue(4);
        ScaleTarget gone = new ScaleTarget("llm", "serving.knative.dev/v1", "Service", "gone");
        assertThat(actuator.currentReplicas(gone, variant)).isEmpty();
    }

    @Test
    void itScalesKnativeServicesOnly() {
        assertThat(actuator.supports(target)).isTrue();
        assertThat(actuator.supports(new ScaleTarget("llm", "apps/v1", "Deployment", "qwen"))).isFalse();
        assertThat(actuator.supports(new ScaleTarget("llm", "serving.knative.dev/v1", "Revision", "qwen")))
                .isFalse();
    }

    @Test
    void theJarIsABeanArchive() throws Exception {
        // Quarkus discovers the actuator bean only in an indexed jar: beans.xml beside the class makes this one a
        // bean archive (the gateway's KnativeActuatorBeanTest checks the bean is really found)
        java.nio.file.Path classes = java.nio.file.Path.of(KnativeScaleActuator.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI());
        assertThat(classes.resolve("META-INF/beans.xml")).exists();
        assertThat(KnativeScaleActuator.class.isAnnotationPresent(jakarta.inject.Singleton.class)).isTrue();
    }
}
