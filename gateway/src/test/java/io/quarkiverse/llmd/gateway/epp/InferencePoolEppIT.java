package io.quarkiverse.llmd.gateway.epp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.k8s.networking.inference.v1.InferencePool;
import io.quarkiverse.llmd.kserve.KServeCrds;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/**
 * The packaged gateway started by {@code /app/epp} with exactly the arguments of KServe's scheduler preset (its ports
 * replaced by free ones), against a mock API server holding the InferencePool KServe would create and a vLLM pod (a
 * simulated one on this machine): the pod becomes an endpoint, a request through the gateway is scheduled onto it,
 * an InferenceModelRewrite created meanwhile maps an alias onto the served model, and the pod leaves when it turns
 * NotReady. The API server is handed over as the in-cluster one would be, by the
 * client's configuration (here a system property), not by an EPP flag.
 */
class InferencePoolEppIT {

    private static final Path APP = Path.of("target", "quarkus-app");
    private static final Path LAUNCHER = APP.resolve("epp");
    private static final String MODEL = "Qwen/Qwen2.5-7B-Instruct";
    private static final String NS = "llm";

    private static KubernetesMockServer server;
    private static KubernetesClient client;
    private static SimulatedFleet fleet;

    @BeforeAll
    static void cluster() throws IOException {
        assertThat(APP.resolve("quarkus-run.jar")).as("packaged application").exists();
        Files.copy(Path.of("src", "main", "docker", "epp"), LAUNCHER, StandardCopyOption.REPLACE_EXISTING);
        assertThat(LAUNCHER.toFile().setExecutable(true)).isTrue();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        for (CustomResourceDefinition crd : KServeCrds.all()) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd)
                    .createOr(NonDeletingOperation::update);
        }
        fleet = SimulatedFleet.start(SimulatorConfig.builder(MODEL).port(0).replicas(1).timeScale(20).seed(3)
                .build());
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void kservePresetServesThePodsOfItsInferencePool() throws Exception {
        int simPort = fleet.pod(0).port();
        // what KServe creates for LLMInferenceService "qwen": the pool (selector of §2.5, one target port)...
        InferencePool pool = Serialization.unmarshal("""
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata: {name: qwen-inference-pool, namespace: llm}
                spec:
                  selector:
                    matchLabels:
                      app.kubernetes.io/part-of: llminferenceservice
                      app.kubernetes.io/name: qwen
                      kserve.io/component: workload
                  targetPorts: [{number: %d}]
                  endpointPickerRef: {name: qwen-epp-service, port: {number: 9002}, failureMode: FailOpen}
                """.formatted(simPort), InferencePool.class);
        client.resources(InferencePool.class).inNamespace(NS).resource(pool).create();
        // ...and its vLLM pod, Ready, here at the simulator's address
        Pod pod = new PodBuilder().withNewMetadata().withName("qwen-kserve-0").withNamespace(NS)
                .addToLabels("app.kubernetes.io/part-of", "llminferenceservice")
                .addToLabels("app.kubernetes.io/name", "qwen").addToLabels("kserve.io/component", "workload")
                .addToLabels("llm-d.ai/role", "both").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("vllm").endContainer().endSpec()
                .withNewStatus().withPodIP("127.0.0.1").withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
        client.pods().inNamespace(NS).resource(pod).create();

        int[] ports = FreePorts.distinct(3);
        int grpc = ports[0];
        int health = ports[1];
        int http = ports[2];
        // KServe's preset, verbatim but for its two ports
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString(),
                "--pool-name", "qwen-inference-pool", "--pool-namespace", NS, "--zap-encoder", "json",
                "--grpc-port", String.valueOf(grpc), "--grpc-health-port", String.valueOf(health)));
        Path log = Files.createTempFile("epp-inferencepool", ".log");
        log.toFile().deleteOnExit(); // failures quote its content
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_OPTS_APPEND", String.join(" ",
                "-Dquarkus.http.port=" + http, "-Dquarkus.llmd.metrics.port=0",
                "-Dquarkus.kubernetes-client.api-server-url=" + client.getConfiguration().getMasterUrl(),
                "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false"));
        Process epp = builder.start();
        try {
            HttpResponse<String> answer = awaitChat(epp, log, http);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body()).contains("chat.completion");
            assertThat(answer.headers().firstValue("x-gateway-destination-endpoint-served"))
                    .contains("127.0.0.1:" + simPort);
            assertThat(Files.readString(log)).contains("llm/qwen-kserve-0-rank-0");

            // an alias the model server does not know: refused by it, until an InferenceModelRewrite maps it
            HttpResponse<String> unknown = chat(http, "qwen-latest");
            assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
            client.resources(ai.llm_d.v1alpha2.InferenceModelRewrite.class).inNamespace(NS).resource(
                    Serialization.unmarshal("""
                            apiVersion: llm-d.ai/v1alpha2
                            kind: InferenceModelRewrite
                            metadata: {name: latest, namespace: llm}
                            spec:
                              poolRef: {name: qwen-inference-pool}
                              rules:
                              - matches: [{model: {value: qwen-latest}}]
                                targets: [{modelRewrite: "%s"}]
                            """.formatted(MODEL), ai.llm_d.v1alpha2.InferenceModelRewrite.class)).create();
            HttpResponse<String> rewritten = awaitStatus(epp, log, http, "qwen-latest", s -> s == 200);
            assertThat(rewritten.body()).as("the response names the model asked for").contains("qwen-latest");

            // the pod turns NotReady: it leaves the pool and the gateway has nowhere to send the request
            client.pods().inNamespace(NS).resource(new PodBuilder(pod).editStatus().withConditions()
                    .addNewCondition().withType("Ready").withStatus("False").endCondition().endStatus().build())
                    .update();
            HttpResponse<String> refused = awaitStatus(epp, log, http, MODEL, s -> s != 200);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(Files.readString(log)).doesNotContain("\"level\":\"ERROR\"");
        } finally {
            epp.destroy();
            if (!epp.waitFor(60, TimeUnit.SECONDS)) {
                epp.destroyForcibly();
            }
        }
    }

    /** Chat requests until one is answered by a model server (the pool is empty until discovery finds the pod). */
    private static HttpResponse<String> awaitChat(Process epp, Path log, int http) throws Exception {
        return awaitStatus(epp, log, http, MODEL, s -> s == 200);
    }

    private static HttpResponse<String> chat(int http, String model) throws Exception {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/v1/chat/completions"))
                        .header("content-type", "application/json").timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body(model), StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String body(String model) {
        return """
                {"model":"%s","max_tokens":4,"messages":[{"role":"user","content":"Hello"}]}""".formatted(model);
    }

    private static HttpResponse<String> awaitStatus(Process epp, Path log, int http, String model,
            java.util.function.IntPredicate done) throws Exception {
        HttpClient http11 = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String body = body(model);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            assertThat(epp.isAlive()).as("gateway still running; log:%n%s", Files.readString(log)).isTrue();
            try {
                last = http11.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
                        + "/v1/chat/completions")).header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (done.test(last.statusCode())) {
                    return last;
                }
            } catch (IOException notListeningYet) {
                // the gateway is still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no matching answer; last " + (last == null ? "none" : last.statusCode() + " "
                + last.body()) + "; log:\n" + Files.readString(log));
    }
}
