package io.quarkiverse.llmd.llmisvc.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kserve.serving.v1alpha2.LLMInferenceService;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.kserve.KServeCrds;
import io.quarkiverse.llmd.runtime.DynamicPools;

/**
 * The LLMInferenceService watch against the fabric8 mock API server in CRUD mode, feeding a plain engine directory:
 * annotated services become pools routed by model, others are ignored, deletion removes the pool, a malformed
 * annotation or config produces an Event and keeps the last good state, and prefill/decode/worker pods form the
 * right endpoints.
 */
@EnableKubernetesMockClient(crud = true)
class ServiceWatchTest {

    static KubernetesClient client;

    private static final String NS = "llm";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** The engine side: pools in a directory, each with a registry that outlives replacements, as DynamicPools. */
    static final class DirectorySink implements ServiceReconciler.PoolSink {
        final PoolDirectory directory = new PoolDirectory(new Pools(List.of()));
        final Map<String, EndpointRegistry> registries = new ConcurrentHashMap<>();
        final Map<String, String> conditions = new ConcurrentHashMap<>();
        final Map<String, String> configs = new ConcurrentHashMap<>();

        @Override
        public void put(DynamicPools.Spec spec) {
            EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());
            var loaded = spec.configText() == null ? loader.loadDefault()
                    : loader.load(spec.configOrigin(), spec.configText());
            EndpointRegistry registry = registries.computeIfAbsent(spec.name(), n -> new EndpointRegistry());
            RequestPipeline pipeline = new RequestPipeline(spec.name(), loaded.scheduler(), registry::endpoints,
                    Admission.ALWAYS, Map.of(), CLOCK, PipelineMetrics.NOOP, () -> 0L);
            try {
                directory.put(new Pool(spec.name(), spec.models(), registry, pipeline));
            } catch (IllegalArgumentException e) {
                if (directory.current().named(spec.name()) == null) {
                    registries.remove(spec.name());
                }
                throw e;
            }
            configs.put(spec.name(), spec.configOrigin());
        }

        @Override
        public void remove(String pool) {
            directory.remove(pool);
            registries.remove(pool);
        }

        @Override
        public void endpoints(String pool, List<Endpoint> endpoints) {
            EndpointRegistry r = registries.get(pool);
            if (r != null) {
                r.replaceAll(endpoints);
            }
        }

        @Override
        public void condition(String pool, String text) {
            if (text == null) {
                conditions.remove(pool);
            } else {
                conditions.put(pool, text);
            }
        }
    }

    private DirectorySink sink;
    private ServiceReconciler reconciler;
    private ServiceWatch watch;

    @BeforeEach
    void start() {
        for (CustomResourceDefinition crd : KServeCrds.all()) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd)
                    .createOr(NonDeletingOperation::update);
        }
        sink = new DirectorySink();
        reconciler = new ServiceReconciler(sink, new KubernetesConfigMaps(client),
                new KubernetesServiceEvents(client));
    }

    private void watch(ServiceWatch.ApiVersion version) {
        watch = new ServiceWatch(client, List.of(NS), version, 0, reconciler);
    }

    @AfterEach
    void stop() {
        if (watch != null) {
            watch.close();
        }
        client.resources(LLMInferenceService.class).inNamespace(NS).delete();
        client.resources(io.kserve.serving.v1alpha1.LLMInferenceService.class).inNamespace(NS).delete();
        client.pods().inNamespace(NS).delete();
        client.v1().events().inNamespace(NS).delete();
        client.configMaps().inNamespace(NS).delete();
    }

    private static String service(String apiVersion, String name, Map<String, String> annotations, String spec) {
        StringBuilder a = new StringBuilder();
        annotations.forEach((k, v) -> a.append("\n    ").append(k).append(": \"").append(v).append('"'));
        return "apiVersion: serving.kserve.io/" + apiVersion + "\nkind: LLMInferenceService\nmetadata:\n  name: "
                + name + "\n  namespace: " + NS + (annotations.isEmpty() ? "" : "\n  annotations:" + a) + "\nspec:\n"
                + spec;
    }

    private static LLMInferenceService v1alpha2(String name, Map<String, String> annotations, String spec) {
        return Serialization.unmarshal(service("v1alpha2", name, annotations, spec), LLMInferenceService.class);
    }

    private static void apply(LLMInferenceService s) {
        client.resources(LLMInferenceService.class).inNamespace(NS).resource(s).createOr(NonDeletingOperation::update);
    }

    private static Map<String, String> optIn(String... more) {
        Map<String, String> a = new HashMap<>();
        a.put(ServiceAnnotations.ENABLED, "true");
        for (int i = 0; i < more.length; i += 2) {
            a.put(more[i], more[i + 1]);
        }
        return a;
    }

    /** A workload pod of a service, as KServe labels it. */
    private static Pod pod(String service, String name, String ip, String component, String role, boolean ready) {
        Map<String, String> labels = new HashMap<>();
        labels.put(ServicePods.PART_OF, ServicePods.PART_OF_VALUE);
        labels.put(ServicePods.NAME, service);
        labels.put(ServicePods.KSERVE_COMPONENT, ServicePods.WORKLOAD);
        labels.put(ServicePods.COMPONENT, component);
        labels.put(Endpoint.ROLE_LABEL, role);
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("vllm").endContainer().endSpec()
                .withNewStatus().withPodIP(ip).withPhase("Running").addNewCondition().withType("Ready")
                .withStatus(ready ? "True" : "False").endCondition().endStatus().build();
    }

    private static void create(Pod p) {
        client.pods().inNamespace(NS).resource(p).createOr(NonDeletingOperation::update);
    }

    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private Decision route(String model) {
        byte[] body = ("{\"model\":\"" + model + "\",\"prompt\":\"hello\"}").getBytes(StandardCharsets.UTF_8);
        return sink.directory.current().submit(null, "/v1/completions", Map.of(), body, null).join();
    }

    private String servedAddress(String model) {
        Decision d = route(model);
        assertThat(d).as("decision for %s", model).isInstanceOf(RoutedRequest.class);
        return ((RoutedRequest) d).served().address();
    }

    private List<String> addresses(String pool) {
        Pool p = sink.directory.current().named(pool);
        return p == null ? List.of() : p.registry().endpoints().stream().map(Endpoint::address).toList();
    }

    private List<Event> events(String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    private static final String EPP_HEADER = "apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\n";

    private static final String QWEN_SPEC = """
              model: {uri: "hf://Qwen/Qwen2.5-7B-Instruct", name: "Qwen/Qwen2.5-7B-Instruct"}
              router: {scheduler: {}}
            """;
    private static final String LLAMA_SPEC = """
              model:
                uri: hf://meta-llama/Llama-3.1-8B-Instruct
                name: meta-llama/Llama-3.1-8B-Instruct
                lora:
                  adapters:
                    - {uri: "hf://example/sql-lora", name: sql-lora}
              router:
                scheduler:
                  config:
                    inline:
                      apiVersion: llm-d.ai/v1alpha1
                      kind: EndpointPickerConfig
                      plugins:
                        - type: queue-scorer
                        - type: max-score-picker
                        - type: single-profile-handler
                      schedulingProfiles:
                        - name: default
                          plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
            """;

    @Test
    void twoAnnotatedServicesBecomeTwoPoolsRoutedByModelAndAnUnannotatedOneIsIgnored() throws Exception {
        apply(v1alpha2("qwen", optIn(ServiceAnnotations.SLO_TTFT_MS, "500", ServiceAnnotations.MAX_REPLICAS, "4"),
                QWEN_SPEC));
        apply(v1alpha2("llama", optIn(), LLAMA_SPEC));
        apply(v1alpha2("plain", Map.of(), QWEN_SPEC.replace("Qwen/Qwen2.5-7B-Instruct\"}", "other\"}")));
        create(pod("qwen", "qwen-kserve-0", "10.1.0.1", "llminferenceservice-workload", "both", true));
        create(pod("llama", "llama-kserve-0", "10.2.0.1", "llminferenceservice-workload", "both", true));
        create(pod("llama", "llama-kserve-1", "10.2.0.2", "llminferenceservice-workload", "both", false));
        create(pod("plain", "plain-kserve-0", "10.3.0.1", "llminferenceservice-workload", "both", true));
        watch(ServiceWatch.ApiVersion.V1ALPHA2);

        await("both pools with their ready pods", () -> addresses("llm/qwen").size() == 1
                && addresses("llm/llama").size() == 1);
        assertThat(sink.directory.current().all()).extracting(Pool::name).containsExactlyInAnyOrder("llm/qwen",
                "llm/llama");
        assertThat(servedAddress("Qwen/Qwen2.5-7B-Instruct")).isEqualTo("10.1.0.1:8000");
        assertThat(servedAddress("meta-llama/Llama-3.1-8B-Instruct")).isEqualTo("10.2.0.1:8000");
        assertThat(servedAddress("sql-lora")).isEqualTo("10.2.0.1:8000"); // a LoRA adapter is the pool's model too
        assertThat(route("other")).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(404));
        // the service's own inline EndpointPickerConfig schedules its pool
        assertThat(sink.directory.current().named("llm/llama").scheduler().plugins())
                .containsKeys("queue-scorer", "max-score-picker").doesNotContainKey("prefix-cache-scorer");
        assertThat(sink.directory.current().named("llm/qwen").scheduler().plugins())
                .containsKey("prefix-cache-scorer"); // llm-d's default
        assertThat(sink.configs.get("llm/llama")).contains("spec.router.scheduler.config.inline");
        assertThat(reconciler.hints().get("llm/qwen")).satisfies(h -> {
            assertThat(h.ttft()).contains(java.time.Duration.ofMillis(500));
            assertThat(h.maxReplicas()).contains(4);
        });

        // a pod turning Ready joins the pool
        create(pod("llama", "llama-kserve-1", "10.2.0.2", "llminferenceservice-workload", "both", true));
        await("second llama pod", () -> addresses("llm/llama").size() == 2);

        // deleting the service removes its pool: its models answer 404, the other pool serves on
        client.resources(LLMInferenceService.class).inNamespace(NS).withName("llama").delete();
        await("llama pool removed", () -> sink.directory.current().named("llm/llama") == null);
        assertThat(route("meta-llama/Llama-3.1-8B-Instruct")).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(404));
        assertThat(servedAddress("Qwen/Qwen2.5-7B-Instruct")).isEqualTo("10.1.0.1:8000");

        // taking the annotation away removes the pool too
        apply(v1alpha2("qwen", Map.of(ServiceAnnotations.ENABLED, "false"), QWEN_SPEC));
        await("qwen pool removed", () -> sink.directory.current().all().isEmpty());
    }

    @Test
    void aMalformedAnnotationOrConfigMakesAnEventAndKeepsTheLastGoodState() throws Exception {
        apply(v1alpha2("qwen", optIn(ServiceAnnotations.SLO_ITL_MS, "20"), QWEN_SPEC));
        create(pod("qwen", "qwen-kserve-0", "10.1.0.1", "llminferenceservice-workload", "both", true));
        watch(ServiceWatch.ApiVersion.V1ALPHA2);
        await("qwen pool", () -> addresses("llm/qwen").size() == 1);

        apply(v1alpha2("qwen", optIn(ServiceAnnotations.SLO_ITL_MS, "fast", ServiceAnnotations.PREFIX + "slo-ttft",
                "1"), QWEN_SPEC.replace("Qwen2.5-7B-Instruct\"}", "renamed\"}")));
        await("an InvalidAnnotation Event", () -> !events("InvalidAnnotation").isEmpty());
        Event e = events("InvalidAnnotation").get(0);
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getInvolvedObject().getName()).isEqualTo("qwen");
        assertThat(e.getInvolvedObject().getKind()).isEqualTo("LLMInferenceService");
        assertThat(e.getMessage()).contains("slo-itl-ms").contains("fast").contains("unknown key")
                .contains("llmd.quarkiverse.io/slo-ttft").contains("last good configuration stays in force");
        assertThat(sink.conditions.get("llm/qwen")).startsWith("InvalidAnnotation:");
        // the last good state: old model name, old hints, same pod
        assertThat(servedAddress("Qwen/Qwen2.5-7B-Instruct")).isEqualTo("10.1.0.1:8000");
        assertThat(reconciler.hints().get("llm/qwen").itl()).contains(java.time.Duration.ofMillis(20));
        // pods still follow while the annotation is bad
        create(pod("qwen", "qwen-kserve-1", "10.1.0.2", "llminferenceservice-workload", "both", true));
        await("second qwen pod", () -> addresses("llm/qwen").size() == 2);

        // an invalid scheduler config: an Event, and the pool keeps its scheduler
        apply(v1alpha2("qwen", optIn(ServiceAnnotations.SCHEDULER_CONFIG, "qwen-epp/epp.yaml"), QWEN_SPEC));
        await("a SchedulerConfigNotFound Event", () -> !events("SchedulerConfigNotFound").isEmpty());
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("qwen-epp")
                .endMetadata().addToData("epp.yaml", EPP_HEADER + "plugins: [{type: no-such-scorer}]\n").build()).create();
        apply(v1alpha2("qwen", optIn(ServiceAnnotations.SCHEDULER_CONFIG, "qwen-epp/epp.yaml",
                ServiceAnnotations.HARDWARE_CLASS, "H100"), QWEN_SPEC));
        await("an InvalidSchedulerConfig Event", () -> !events("InvalidSchedulerConfig").isEmpty());
        assertThat(events("InvalidSchedulerConfig").get(0).getMessage()).contains("no-such-scorer");
        assertThat(servedAddress("Qwen/Qwen2.5-7B-Instruct")).startsWith("10.1.0.");

        // fixed: applied, the condition clears
        client.configMaps().inNamespace(NS).withName("qwen-epp").edit(cm -> new ConfigMapBuilder(cm)
                .addToData("epp.yaml", EPP_HEADER + "plugins: [{type: queue-scorer}, {type: max-score-picker}]\n").build());
        apply(v1alpha2("qwen", optIn(ServiceAnnotations.SCHEDULER_CONFIG, "qwen-epp/epp.yaml",
                ServiceAnnotations.HARDWARE_CLASS, "H200"), QWEN_SPEC));
        await("the ConfigMap's config applied", () -> sink.configs.get("llm/qwen").contains("qwen-epp[epp.yaml]")
                && !sink.conditions.containsKey("llm/qwen"));
        assertThat(reconciler.hints().get("llm/qwen").hardwareClass()).contains("H200");
        // one Event per distinct reason, not one per resync
        assertThat(events("InvalidAnnotation")).hasSize(1);
    }

    @Test
    void prefillAndDecodePodsFormTheRightRolesAndOnlyLeadersServe() throws Exception {
        apply(v1alpha2("pd", optIn(), """
                  model: {uri: "hf://m/pd", name: pd-model}
                  prefill: {replicas: 1}
                  router:
                    scheduler:
                      pool:
                        spec:
                          selector: {matchLabels: {app: x}}
                          targetPorts: [{number: 8000}, {number: 8200}]
                          endpointPickerRef: {name: x}
                """));
        create(pod("pd", "pd-kserve-0", "10.4.0.1", "llminferenceservice-workload", "decode", true));
        create(pod("pd", "pd-kserve-prefill-0", "10.4.0.2", "llminferenceservice-workload-prefill", "prefill",
                true));
        // a multi-node prefill: the leader serves, its worker does not
        create(pod("pd", "pd-kserve-mn-prefill-0", "10.4.0.3", "llminferenceservice-workload-leader-prefill",
                "prefill", true));
        create(pod("pd", "pd-kserve-mn-prefill-0-1", "10.4.0.4", "llminferenceservice-workload-worker-prefill",
                "prefill", true));
        watch(ServiceWatch.ApiVersion.V1ALPHA2);
        await("pd pool", () -> addresses("llm/pd").size() == 6);
        Map<String, List<String>> byRole = new HashMap<>();
        for (Endpoint e : sink.directory.current().named("llm/pd").registry().endpoints()) {
            byRole.computeIfAbsent(e.role(), r -> new ArrayList<>()).add(e.address());
        }
        assertThat(byRole.get("decode")).containsExactlyInAnyOrder("10.4.0.1:8000", "10.4.0.1:8200");
        assertThat(byRole.get("prefill")).containsExactlyInAnyOrder("10.4.0.2:8000", "10.4.0.2:8200",
                "10.4.0.3:8000", "10.4.0.3:8200");
    }

    @Test
    void v1alpha1ServicesAreReadToo() throws Exception {
        var svc = Serialization.unmarshal(service("v1alpha1", "old", optIn(), """
                  model: {uri: "hf://m/old", name: old-model}
                  router:
                    scheduler:
                      pool: {spec: {selector: {app: x}, targetPortNumber: 8080, extensionRef: {name: x}}}
                """), io.kserve.serving.v1alpha1.LLMInferenceService.class);
        client.resources(io.kserve.serving.v1alpha1.LLMInferenceService.class).inNamespace(NS).resource(svc)
                .create();
        create(pod("old", "old-kserve-0", "10.5.0.1", "llminferenceservice-workload", "both", true));
        watch(ServiceWatch.ApiVersion.V1ALPHA1);
        await("v1alpha1 pool", () -> addresses("llm/old").size() == 1);
        assertThat(servedAddress("old-model")).isEqualTo("10.5.0.1:8080");
    }
}
