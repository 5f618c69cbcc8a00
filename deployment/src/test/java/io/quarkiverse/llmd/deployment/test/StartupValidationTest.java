package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/** A refresh interval of -1 s and a port of 99999 stop the gateway at startup, each named in the message. */
class StartupValidationTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withEmptyApplication()
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.endpoints.\"default/vllm-0-rank-0\".address", "127.0.0.1:18001")
            .overrideConfigKey("quarkus.llmd.endpoints.\"default/vllm-0-rank-0\".metrics-port", "99999")
            .overrideConfigKey("quarkus.llmd.data-layer.refresh-interval", "-1s")
            .overrideConfigKey("quarkus.llmd.proxy.first-byte-timeout", "0s")
            .assertException(t -> {
                Throwable root = t;
                while (root.getCause() != null && !(root.getMessage() != null
                        && root.getMessage().contains("refresh-interval"))) {
                    root = root.getCause();
                }
                String message = root.getMessage();
                for (String expected : new String[] {
                        "quarkus.llmd.data-layer.refresh-interval must be positive, not PT-1S",
                        "quarkus.llmd.proxy.first-byte-timeout must be positive, not PT0S",
                        "quarkus.llmd.endpoints.\"default/vllm-0-rank-0\".metrics-port must be within 1..65535, "
                                + "not 99999" }) {
                    assertTrue(message != null && message.contains(expected), () -> "expected <" + expected
                            + "> in: " + message);
                }
            });

    @Test
    void startupFails() {
        fail("the application must not start");
    }
}
