package io.quarkiverse.llmd.kserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;

/** Realistic manifests of every kind unmarshal into the generated classes with the fields we read. */
class SampleModelsTest {

    @Test
    void minimalV1alpha2Service() {
        var svc = sample("llmisvc-v1alpha2-minimal.yaml", io.kserve.serving.v1alpha2.LLMInferenceService.class);
        assertThat(svc.getMetadata().getName()).isEqualTo("qwen");
        assertThat(svc.getMetadata().getNamespace()).isEqualTo("llm");
        var spec = svc.getSpec();
        assertThat(spec.getModel().getUri()).isEqualTo("hf://Qwen/Qwen2.5-7B-Instruct");
        assertThat(spec.getModel().getName()).isEqualTo("Qwen/Qwen2.5-7B-Instruct");
        assertThat(spec.getLabels()).containsEntry("inference.optimization/acceleratorName", "H100");
        assertThat(spec.getReplicas()).isNull();
        assertThat(spec.getScaling().getMinReplicas()).isEqualTo(1);
        assertThat(spec.getScaling().getMaxReplicas()).isEqualTo(4);
        assertThat(spec.getScaling().getWva().getVariantCost()).isEqualTo("20");
        assertThat(spec.getScaling().getWva().getKeda().getAdditionalProperties())
                .containsEntry("idleReplicaCount", 0).containsEntry("initialCooldownPeriod", 600);
        Container main = spec.getTemplate().getContainers().get(0);
        assertThat(main.getName()).isEqualTo("main");
        assertThat(main.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        // "{}" sections are present (they switch on the managed route, gateway and scheduler), not null
        assertThat(spec.getRouter().getRoute()).isNotNull();
        assertThat(spec.getRouter().getGateway()).isNotNull();
        assertThat(spec.getRouter().getScheduler()).isNotNull();
        assertThat(spec.getRouter().getScheduler().getConfig()).isNull();
        assertThat(spec.getPrefill()).isNull();
    }

    @Test
    void prefillDecodeServiceWithOurSchedulerImageAndConfigRef() {
        var svc = sample("llmisvc-v1alpha2-pd.yaml", io.kserve.serving.v1alpha2.LLMInferenceService.class);
        var spec = svc.getSpec();
        assertThat(svc.getMetadata().getAnnotations())
                .containsEntry("serving.kserve.io/enable-served-by-header", "true");
        assertThat(spec.getModel().getLora().getAdapters())
                .extracting(a -> a.getName() + "=" + a.getUri())
                .containsExactly("sql-lora=hf://example/sql-lora", "summarize-lora=s3://adapters/summarize");
        assertThat(spec.getModel().getLora().getMaxAdapters()).isEqualTo(4);
        assertThat(spec.getReplicas()).isEqualTo(2);
        assertThat(spec.getParallelism().getTensor()).isEqualTo(2);
        assertThat(spec.getPrefill().getReplicas()).isEqualTo(1);
        assertThat(spec.getPrefill().getLabels()).containsEntry("tier", "prefill");
        assertThat(spec.getPrefill().getTemplate().getContainers().get(0).getImage())
                .isEqualTo("ghcr.io/llm-d/llm-d-cuda:v0.9.0");
        assertThat(spec.getRouter().getGateway().getRefs()).singleElement()
                .satisfies(ref -> assertThat(ref.getName() + "/" + ref.getNamespace())
                        .isEqualTo("inference-gateway/gateways"));

        var scheduler = spec.getRouter().getScheduler();
        assertThat(scheduler.getReplicas()).isEqualTo(2);
        assertThat(scheduler.getConfig().getInline()).isNull();
        assertThat(scheduler.getConfig().getRef().getName()).isEqualTo("llama-pd-epp");
        assertThat(scheduler.getConfig().getRef().getKey()).isEqualTo("epp-config.yaml");
        Container epp = scheduler.getTemplate().getContainers().get(0);
        assertThat(epp.getImage()).isEqualTo("quay.io/example/llmd-gateway:latest");
        assertThat(epp.getArgs()).startsWith("--pool-name", "llama-pd-inference-pool", "--pool-namespace", "team-a");
        assertThat(spec.getBaseRefs()).extracting(r -> r.getName()).containsExactly("team-a-defaults");

        var status = svc.getStatus();
        assertThat(status.getUrl()).isEqualTo("http://gateway.example.com/team-a/llama-pd");
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getConditions()).extracting(c -> c.getType() + "=" + c.getStatus())
                .containsExactly("Ready=True", "InferencePoolReady=False");
        assertThat(status.getConditions().get(1).getMessage()).isEqualTo("no ready endpoints");
        assertThat(status.getAppliedConfigs()).extracting(c -> c.getName() + ":" + c.getSource().getValue())
                .containsExactly("kserve-config-llm-decode-template:Preset", "team-a-defaults:UserRef");
    }

    @Test
    void inlineSchedulerConfigStaysAnObjectAndPoolSpecIsTheV1Shape() {
        var svc = sample("llmisvc-v1alpha2-inline-config.yaml", io.kserve.serving.v1alpha2.LLMInferenceService.class);
        assertThat(svc.getSpec().getModel().getName()).as("defaults to metadata.name, left to the reader").isNull();
        var scheduler = svc.getSpec().getRouter().getScheduler();
        Map<String, Object> inline = scheduler.getConfig().getInline().getAdditionalProperties();
        assertThat(inline).containsEntry("apiVersion", "llm-d.ai/v1alpha1")
                .containsEntry("kind", "EndpointPickerConfig").containsKeys("plugins", "schedulingProfiles");
        // what the EPP config loader needs: the inline object written back as YAML
        String yaml = Serialization.asYaml(inline);
        assertThat(yaml).contains("kind: \"EndpointPickerConfig\"").contains("pluginRef: \"queue-scorer\"");

        var pool = scheduler.getPool().getSpec();
        assertThat(pool.getSelector().getMatchLabels()).containsExactly(Map.entry("app.kubernetes.io/name", "granite"));
        assertThat(pool.getTargetPorts()).extracting(p -> p.getNumber()).containsExactly(8000, 8001);
        assertThat(pool.getEndpointPickerRef().getName()).isEqualTo("granite-epp-service");
        assertThat(pool.getEndpointPickerRef().getPort().getNumber()).isEqualTo(9002);
        assertThat(pool.getEndpointPickerRef().getFailureMode().getValue()).isEqualTo("FailOpen");
    }

    @Test
    void v1alpha1ServiceWithCriticalityAndTheOlderPoolShape() {
        var svc = sample("llmisvc-v1alpha1.yaml", io.kserve.serving.v1alpha1.LLMInferenceService.class);
        assertThat(svc.getApiVersion()).isEqualTo("serving.kserve.io/v1alpha1");
        var spec = svc.getSpec();
        assertThat(spec.getModel().getCriticality().getValue()).isEqualTo("Critical");
        assertThat(spec.getReplicas()).isEqualTo(1);
        var pool = spec.getRouter().getScheduler().getPool().getSpec();
        assertThat(pool.getSelector()).containsEntry("app.kubernetes.io/name", "facebook-opt");
        assertThat(pool.getTargetPortNumber()).isEqualTo(8000);
        assertThat(pool.getExtensionRef().getName()).isEqualTo("facebook-opt-epp-service");
    }

    @Test
    void schedulerPresetConfig() {
        var config = sample("llmisvcconfig-scheduler.yaml", io.kserve.serving.v1alpha2.LLMInferenceServiceConfig.class);
        assertThat(config.getMetadata().getName()).isEqualTo("kserve-config-llm-scheduler");
        assertThat(config.getSpec().getModel()).as("model is optional in a config").isNull();
        var scheduler = config.getSpec().getRouter().getScheduler();
        assertThat(scheduler.getPool().getSpec().getSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/part-of", "llminferenceservice")
                .containsEntry("kserve.io/component", "workload");
        Container epp = scheduler.getTemplate().getContainers().get(0);
        assertThat(epp.getImage()).isEqualTo("ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0");
        assertThat(epp.getArgs()).contains("--grpc-port", "9002", "--grpc-health-port", "9003");
        assertThat(epp.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort())
                .containsExactly("grpc:9002", "grpc-health:9003", "metrics:9090", "zmq:5557");
        assertThat(config.getStatus().getReferencedBy()).extracting(r -> r.getNamespace() + "/" + r.getName())
                .containsExactly("llm/qwen");
    }

    @Test
    void inferencePoolV1() {
        var pool = sample("inferencepool-v1.yaml", io.k8s.networking.inference.v1.InferencePool.class);
        var spec = pool.getSpec();
        assertThat(spec.getSelector().getMatchLabels()).containsExactly(Map.entry("app", "vllm-llama-3-8b"));
        assertThat(spec.getTargetPorts()).extracting(p -> p.getNumber()).containsExactly(8000, 8001);
        assertThat(spec.getAppProtocol().getValue()).isEqualTo("http");
        assertThat(spec.getEndpointPickerRef().getName()).isEqualTo("llmd-gateway");
        assertThat(spec.getEndpointPickerRef().getPort().getNumber()).isEqualTo(9002);
        // the CRD's defaults: a core Service, and FailClose when the picker does not answer
        assertThat(spec.getEndpointPickerRef().getKind()).isEqualTo("Service");
        assertThat(spec.getEndpointPickerRef().getGroup()).isEmpty();
        assertThat(spec.getEndpointPickerRef().getFailureMode().getValue()).isEqualTo("FailClose");
        var parent = pool.getStatus().getParents().get(0);
        assertThat(parent.getParentRef().getName()).isEqualTo("inference-gateway");
        assertThat(parent.getParentRef().getKind()).isEqualTo("Gateway");
        assertThat(parent.getParentRef().getGroup()).isEqualTo("gateway.networking.k8s.io");
        assertThat(parent.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Accepted");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getObservedGeneration()).isEqualTo(1L);
        });
    }

    @Test
    void inferenceObjectiveInBothGroups() {
        var current = sample("inferenceobjective-llmd.yaml", ai.llm_d.v1alpha2.InferenceObjective.class);
        assertThat(current.getApiVersion()).isEqualTo("llm-d.ai/v1alpha2");
        assertThat(current.getSpec().getPriority()).as("negative = sheddable").isEqualTo(-1);
        assertThat(current.getSpec().getPoolRef().getName()).isEqualTo("vllm-llama-3-8b");
        assertThat(current.getSpec().getPoolRef().getGroup()).as("default").isEqualTo("inference.networking.k8s.io");
        assertThat(current.getSpec().getPoolRef().getKind()).as("default").isEqualTo("InferencePool");

        var legacy = sample("inferenceobjective-legacy.yaml",
                io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class);
        assertThat(legacy.getApiVersion()).isEqualTo("inference.networking.x-k8s.io/v1alpha2");
        assertThat(legacy.getSpec().getPriority()).isEqualTo(10);
        assertThat(legacy.getSpec().getPoolRef().getName()).isEqualTo("vllm-llama-3-8b");
    }

    @Test
    void inferenceModelRewriteInBothGroups() {
        var current = sample("inferencemodelrewrite-llmd.yaml", ai.llm_d.v1alpha2.InferenceModelRewrite.class);
        var rules = current.getSpec().getRules();
        assertThat(rules).hasSize(2);
        assertThat(rules.get(0).getMatches()).singleElement().satisfies(m -> {
            assertThat(m.getModel().getValue()).isEqualTo("food-review");
            assertThat(m.getModel().getType().getValue()).as("default").isEqualTo("Exact");
        });
        assertThat(rules.get(0).getTargets()).extracting(t -> t.getModelRewrite() + "@" + t.getWeight())
                .containsExactly("food-review-1@90", "food-review-2@10");
        assertThat(rules.get(1).getMatches()).as("catch-all").isNullOrEmpty();
        assertThat(rules.get(1).getTargets()).singleElement()
                .satisfies(t -> assertThat(t.getWeight()).as("weight optional").isNull());

        var legacy = sample("inferencemodelrewrite-legacy.yaml",
                io.x_k8s.networking.inference.v1alpha2.InferenceModelRewrite.class);
        assertThat(legacy.getSpec().getRules().get(0).getTargets().get(0).getModelRewrite())
                .isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
    }

    @Test
    void fieldsOutsideTheTrimmedSchemaSurviveARoundTrip() {
        var svc = sample("llmisvc-v1alpha2-pd.yaml", io.kserve.serving.v1alpha2.LLMInferenceService.class);
        svc.getStatus().setAdditionalProperty("address", Map.of("url", "http://llama-pd.team-a.svc"));
        var back = Serialization.unmarshal(Serialization.asYaml(svc),
                io.kserve.serving.v1alpha2.LLMInferenceService.class);
        assertThat(back.getStatus().getAdditionalProperties())
                .containsEntry("address", Map.of("url", "http://llama-pd.team-a.svc"));
        assertThat(back.getSpec().getRouter().getScheduler().getTemplate())
                .isEqualTo(svc.getSpec().getRouter().getScheduler().getTemplate());
    }

    private static <T> T sample(String file, Class<T> type) {
        try (InputStream in = SampleModelsTest.class.getResourceAsStream("/samples/" + file)) {
            assertThat(in).as(file).isNotNull();
            T parsed = Serialization.unmarshal(in, type);
            assertThat(parsed).isInstanceOf(type);
            return parsed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
