package io.quarkiverse.llmd.gateway.kserve;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import java.util.Map;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.kserve.serving.v1alpha2.LLMInferenceService;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.llmisvc.service.LlmInferenceServices;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * One gateway, many LLMInferenceServices, through the real edge: requests to the OpenAI proxy reach the simulated
 * pods of the service that serves the model; /v1/models lists the annotated services' models; deleting a service
 * turns its model into a 404; a malformed annotation produces an Event and leaves the pool serving.
 */
@QuarkusTest
@TestProfile(KServeClusterProfile.class)
class KServeGatewayTest {

    private static final String NS = KServeClusterProfile.NS;

    @Inject
    PoolDirectory pools;

    @Inject
    LlmInferenceServices services;

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(25);
        }
    }

    private boolean served(String pool) {
        var p = pools.current().named(pool);
        return p != null && !p.registry().endpoints().isEmpty();
    }

    @Test
    void annotatedServicesAreRoutedByModelThroughTheProxy() throws Exception {
        await("both annotated services served", () -> served(NS + "/qwen") && served(NS + "/llama"));
        assertThat(pools.current().named(NS + "/ignored")).isNull();
        // no implicit default pool in this mode: an unknown model is a 404, not an empty catch-all's 503
        assertThat(pools.current().all()).hasSize(2);

        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body(chat("Qwen/Qwen2.5-7B-Instruct")).post("/v1/chat/completions")
                    .then().statusCode(200)
                    .header(HeaderHygiene.SERVED_HEADER, KServeClusterProfile.Cluster.address("qwen"));
            given().contentType(ContentType.JSON).body(chat("meta-llama/Llama-3.1-8B-Instruct"))
                    .post("/v1/chat/completions").then().statusCode(200)
                    .header(HeaderHygiene.SERVED_HEADER, KServeClusterProfile.Cluster.address("llama"));
        }
        given().contentType(ContentType.JSON).body(chat("not-ours")).post("/v1/chat/completions").then()
                .statusCode(404);
        given().get("/v1/models").then().statusCode(200)
                .body("data.id", hasItems("Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"))
                .body("data.id", not(hasItem("not-ours")));
        given().get("/q/health/ready").then().statusCode(200);

        // a malformed annotation: an Event on the service, the pool keeps serving
        var client = KServeClusterProfile.Cluster.client;
        client.resources(LLMInferenceService.class).inNamespace(NS).withName("qwen").edit(s -> {
            s.getMetadata().setAnnotations(Map.of("llmd.quarkiverse.io/enabled", "true",
                    "llmd.quarkiverse.io/max-replicas", "lots"));
            return s;
        });
        await("an InvalidAnnotation Event", () -> client.v1().events().inNamespace(NS).list().getItems().stream()
                .map(Event::getReason).anyMatch("InvalidAnnotation"::equals));
        given().contentType(ContentType.JSON).body(chat("Qwen/Qwen2.5-7B-Instruct")).post("/v1/chat/completions")
                .then().statusCode(200);
        assertThat(services.hints()).containsKey(NS + "/qwen");

        // deleting a service removes its pool: its model answers 404, the other keeps serving
        client.resources(LLMInferenceService.class).inNamespace(NS).withName("llama").delete();
        await("llama's pool removed", () -> pools.current().named(NS + "/llama") == null);
        given().contentType(ContentType.JSON).body(chat("meta-llama/Llama-3.1-8B-Instruct"))
                .post("/v1/chat/completions").then().statusCode(404);
        given().get("/v1/models").then().statusCode(200)
                .body("data.id", not(hasItem("meta-llama/Llama-3.1-8B-Instruct")));
        given().contentType(ContentType.JSON).body(chat("Qwen/Qwen2.5-7B-Instruct")).post("/v1/chat/completions")
                .then().statusCode(200);
    }
}
