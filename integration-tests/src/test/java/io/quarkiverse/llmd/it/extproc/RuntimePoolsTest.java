package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.metadataDestination;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * Pools added and removed while the gateway runs: every edge follows the current set (the proxy and ext_proc route
 * by model to the new pool, /v1/models lists it, its meters appear), and a removed pool's model answers 404 and its
 * series are gone. Runs in the same application as {@link TwoPoolsTest}, whose configured pools stay untouched.
 */
@QuarkusTest
@TestProfile(TwoPoolsProfile.class)
class RuntimePoolsTest {

    @Inject
    DynamicPools dynamic;

    @Inject
    PoolDirectory directory;

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],"
                + "\"max_tokens\":4}";
    }

    @Test
    void aPoolAddedAtRuntimeIsRoutedByModelAndARemovedOneAnswers404() throws Exception {
        try (SimulatedFleet fleet = SimulatedFleet.start(SimulatorConfig.builder("model-late").port(0).replicas(1)
                .timeScale(20).seed(3).build())) {
            String address = fleet.addresses().get(0);
            dynamic.put(new DynamicPools.Spec("team/late", Set.of("model-late"), "test", null));
            dynamic.registry("team/late").replaceAll(List.of(Endpoint.of("team/late-0", address, Map.of())));

            given().contentType(ContentType.JSON).body(chat("model-late")).post("/v1/chat/completions")
                    .then().statusCode(200).header(HeaderHygiene.SERVED_HEADER, address);
            given().get("/v1/models").then().statusCode(200).body("data.id", hasItem("model-late"));
            try (EnvoyExtProcClient client = EnvoyExtProcClient.plaintext();
                    EnvoyExtProcClient.Exchange ex = client.open()) {
                ex.requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED, requestHeaders("/v1/chat/completions"), false,
                        null);
                ex.requestBody(chat("model-late").getBytes(StandardCharsets.UTF_8), true);
                ProcessingResponse r = ex.next();
                assertThat(metadataDestination(r)).isEqualTo(address);
            }
            assertThat(given().get("/q/metrics").asString()).contains("name=\"team/late\"");
            // configured pools are not the runtime's to replace
            assertThatThrownBy(() -> dynamic.put(new DynamicPools.Spec("pa", Set.of("x"), "test", null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("configured pool");
            // a model another pool serves is refused whole
            assertThatThrownBy(() -> dynamic.put(new DynamicPools.Spec("team/other", Set.of("model-a"), "test",
                    null))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model-a");
            assertThat(directory.current().named("team/other")).isNull();
            // a bad EndpointPickerConfig keeps the pool in force as it was
            assertThatThrownBy(() -> dynamic.put(new DynamicPools.Spec("team/late", Set.of("model-late"),
                    "test-config", "plugins: [{type: no-such-plugin}]"))).isInstanceOf(ConfigException.class);
            given().contentType(ContentType.JSON).body(chat("model-late")).post("/v1/chat/completions")
                    .then().statusCode(200);

            assertThat(dynamic.remove("team/late")).isTrue();
            given().contentType(ContentType.JSON).body(chat("model-late")).post("/v1/chat/completions")
                    .then().statusCode(404);
            given().get("/v1/models").then().statusCode(200).body("data.id", not(hasItem("model-late")));
            assertThat(given().get("/q/metrics").asString()).doesNotContain("name=\"team/late\"");
            // the configured pools kept serving
            given().contentType(ContentType.JSON).body(chat("model-a")).post("/v1/chat/completions")
                    .then().statusCode(200);
        } finally {
            dynamic.remove("team/late");
        }
    }
}
