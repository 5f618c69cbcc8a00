package io.quarkiverse.llmd.gateway.kserve;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.kserve.serving.v1alpha2.LLMInferenceService;
import io.quarkiverse.llmd.kserve.KServeCrds;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway in one-gateway-many-services mode against the fabric8 mock API server (CRUD mode, our CRDs): two
 * annotated LLMInferenceServices whose "pods" are simulated vLLM servers on free local ports, and an unannotated one.
 */
public class KServeClusterProfile implements QuarkusTestProfile {

    static final String NS = "llm";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.kserve.enabled", "true",
                "quarkus.llmd.kserve.namespaces", NS,
                "quarkus.kubernetes-client.devservices.enabled", "false",
                "quarkus.kubernetes-client.trust-certs", "true");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Cluster.class));
    }

    /** The mock API server and the simulated pods; static so that the test can edit the cluster. */
    public static final class Cluster implements QuarkusTestResourceLifecycleManager {

        static KubernetesMockServer server;
        static KubernetesClient client;
        static final Map<String, SimulatedFleet> FLEETS = new HashMap<>();

        @Override
        public Map<String, String> start() {
            server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
                    new KubernetesCrudDispatcher(), false);
            server.init();
            client = server.createClient();
            for (CustomResourceDefinition crd : KServeCrds.all()) {
                client.apiextensions().v1().customResourceDefinitions().resource(crd)
                        .createOr(NonDeletingOperation::update);
            }
            service("qwen", "Qwen/Qwen2.5-7B-Instruct", true);
            service("llama", "meta-llama/Llama-3.1-8B-Instruct", true);
            service("ignored", "not-ours", false);
            return Map.of("quarkus.kubernetes-client.api-server-url", client.getMasterUrl().toString());
        }

        /** A service whose one pod is a simulated vLLM on 127.0.0.1, reached through the pool's target port. */
        static void service(String name, String model, boolean annotated) {
            SimulatedFleet fleet = SimulatedFleet.start(SimulatorConfig.builder(model).port(0).replicas(1)
                    .timeScale(20).seed(5).build());
            FLEETS.put(name, fleet);
            int port = Integer.parseInt(fleet.addresses().get(0).substring(fleet.addresses().get(0)
                    .lastIndexOf(':') + 1));
            String yaml = """
                    apiVersion: serving.kserve.io/v1alpha2
                    kind: LLMInferenceService
                    metadata:
                      name: %s
                      namespace: %s
                      annotations: {%s}
                    spec:
                      model: {uri: "hf://%s", name: "%s"}
                      router:
                        scheduler:
                          pool:
                            spec:
                              selector: {matchLabels: {app.kubernetes.io/name: %s}}
                              targetPorts: [{number: %d}]
                              endpointPickerRef: {name: %s-epp-service}
                    """.formatted(name, NS, annotated ? "llmd.quarkiverse.io/enabled: \"true\"" : "", model, model,
                    name, port, name);
            client.resources(LLMInferenceService.class).inNamespace(NS)
                    .resource(Serialization.unmarshal(yaml, LLMInferenceService.class)).create();
            client.pods().inNamespace(NS).resource(pod(name)).create();
        }

        static Pod pod(String service) {
            return new PodBuilder().withNewMetadata().withName(service + "-kserve-0").withNamespace(NS)
                    .addToLabels("app.kubernetes.io/part-of", "llminferenceservice")
                    .addToLabels("app.kubernetes.io/name", service)
                    .addToLabels("app.kubernetes.io/component", "llminferenceservice-workload")
                    .addToLabels("kserve.io/component", "workload").addToLabels("llm-d.ai/role", "both")
                    .endMetadata()
                    .withNewSpec().addNewContainer().withName("main").withImage("vllm").endContainer().endSpec()
                    .withNewStatus().withPodIP("127.0.0.1").withPhase("Running").addNewCondition().withType("Ready")
                    .withStatus("True").endCondition().endStatus().build();
        }

        static String address(String service) {
            return FLEETS.get(service).addresses().get(0);
        }

        @Override
        public void stop() {
            FLEETS.values().forEach(SimulatedFleet::close);
            FLEETS.clear();
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.destroy();
            }
        }
    }
}
