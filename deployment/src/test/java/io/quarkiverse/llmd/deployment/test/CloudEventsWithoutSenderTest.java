package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/**
 * A gateway configured for CloudEvents as before they moved to their own module, without that module: it stops at
 * startup and names the dependency, instead of dropping every event without a word.
 */
class CloudEventsWithoutSenderTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withEmptyApplication()
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.endpoints.\"default/vllm-0-rank-0\".address", "127.0.0.1:18001")
            .overrideConfigKey("quarkus.llmd.data-layer.scrape", "false")
            .overrideConfigKey("quarkus.llmd.autoscaler.enabled", "true")
            .overrideConfigKey("quarkus.llmd.autoscaler.variants.\"v\".model", "m")
            .overrideConfigKey("quarkus.llmd.autoscaler.cloud-events.url", "http://127.0.0.1:9/broker")
            .assertException(t -> {
                Throwable root = t;
                while (root.getCause() != null && !(root.getMessage() != null
                        && root.getMessage().contains("cloud-events"))) {
                    root = root.getCause();
                }
                String message = root.getMessage();
                assertTrue(message != null && message.contains("cloud-events.url")
                        && message.contains("io.quarkiverse.llmd:quarkus-llmd-cloud-events"), () -> "got: " + message);
            });

    @Test
    void startupFails() {
        fail("the application must not start");
    }
}
