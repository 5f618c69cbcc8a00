package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.embedded.EmbeddedFleetLauncher;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Dev Services off and the embedded fleet on (what the gateway app does in prod mode): the launcher starts the
 * fleet at startup and registers its pods.
 */
class EmbeddedFleetTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withEmptyApplication()
            // every server on a free port, so that the tests pass next to a running gateway (8080, 9002, 9003, 9090)
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.devservices.enabled", "false")
            .overrideConfigKey("quarkus.llmd.embedded-fleet.enabled", "true")
            .overrideConfigKey("quarkus.llmd.embedded-fleet.profiles", "A100")
            .overrideConfigKey("quarkus.llmd.embedded-fleet.replicas", "1")
            .overrideConfigKey("quarkus.llmd.data-layer.scrape", "false");

    @Inject
    EndpointRegistry registry;

    @Inject
    EmbeddedFleetLauncher launcher;

    @Test
    void launcherRegistersTheFleet() {
        assertTrue(launcher.isRunning());
        assertEquals(List.of("sim-a100-0"), registry.endpoints().stream().map(Endpoint::name).toList());
        assertEquals("A100", registry.endpoints().get(0).labels().get("inference.optimization/acceleratorName"));
    }
}
