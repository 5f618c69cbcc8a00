package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkus.test.QuarkusUnitTest;

/** No endpoints configured: Dev Services start 2 x H100 + 2 x L4 simulated pods and the pool holds them. */
class DevServicesSimulatedFleetTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withEmptyApplication()
            // every server on a free port, so that the tests pass next to a running gateway (8080, 9002, 9003, 9090)
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.data-layer.scrape", "false");

    @Inject
    EndpointRegistry registry;

    @Test
    void poolHoldsTheSimulatedFleet() throws Exception {
        List<Endpoint> endpoints = registry.endpoints();
        assertEquals(List.of("sim-h100-0", "sim-h100-1", "sim-l4-0", "sim-l4-1"),
                endpoints.stream().map(Endpoint::name).toList());
        for (Endpoint e : endpoints) {
            assertEquals("decode", e.role());
            assertTrue(e.address().startsWith("127.0.0.1:"), e.address());
            assertEquals(e.name().contains("h100") ? "H100" : "L4",
                    e.labels().get("inference.optimization/acceleratorName"));
        }
        assertEquals(endpoints.get(0).address(), ConfigProvider.getConfig()
                .getValue("quarkus.llmd.endpoints.\"sim-h100-0\".address", String.class));

        // the pods are live vLLM simulators serving the default model
        HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + endpoints.get(3).address() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("llmd-sim/llama-3-8b"), models.body());
    }
}
