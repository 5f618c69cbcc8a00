package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkus.test.QuarkusUnitTest;

/** An endpoint is configured: Dev Services start nothing and the pool holds only that endpoint. */
class DevServicesSkippedWithEndpointsTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withEmptyApplication()
            // every server on a free port, so that the tests pass next to a running gateway (8080, 9002, 9003, 9090)
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.endpoints.\"default/vllm-0-rank-0\".address", "127.0.0.1:18001")
            .overrideConfigKey("quarkus.llmd.data-layer.scrape", "false");

    @Inject
    EndpointRegistry registry;

    @Test
    void onlyTheConfiguredEndpoint() {
        assertEquals(List.of("default/vllm-0-rank-0"), registry.endpoints().stream().map(Endpoint::name).toList());
    }
}
