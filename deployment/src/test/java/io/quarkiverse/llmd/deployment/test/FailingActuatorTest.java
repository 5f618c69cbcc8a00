package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleTarget;
import io.quarkiverse.llmd.runtime.autoscaler.VariantDefinition;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A variant whose actuator keeps failing (its target is gone, then the actuator itself throws): every pass still
 * decides, every failure is counted, and the error is logged when it starts and when its cause changes, not at every
 * pass.
 */
class FailingActuatorTest {

    /** An actuator whose target does not exist, until its third call, which throws. */
    @Singleton
    public static class GoneActuator implements ScaleActuator {
        int calls;

        @Override
        public String name() {
            return "gone";
        }

        @Override
        public boolean supports(ScaleTarget target) {
            return true;
        }

        @Override
        public Actuation apply(ScaleTarget target, ScalingDecision decision, VariantDefinition variant) {
            if (++calls == 3) {
                throw new IllegalStateException("the client is closed");
            }
            return new Actuation.Failed(target + " not found");
        }
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(GoneActuator.class))
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.endpoints.\"default/vllm-0-rank-0\".address", "127.0.0.1:18001")
            .overrideConfigKey("quarkus.llmd.data-layer.scrape", "false")
            .overrideConfigKey("quarkus.llmd.autoscaler.enabled", "true")
            .overrideConfigKey("quarkus.llmd.autoscaler.interval", "1h")
            .overrideConfigKey("quarkus.llmd.autoscaler.variants.\"v\".namespace", "llm")
            .overrideConfigKey("quarkus.llmd.autoscaler.variants.\"v\".model", "m")
            .overrideConfigKey("quarkus.llmd.autoscaler.variants.\"v\".actuator", "gone")
            .setLogRecordPredicate(r -> r.getLoggerName().endsWith("AutoscalerLoop")
                    && r.getLevel().intValue() >= Level.SEVERE.intValue())
            .assertLogRecords(records -> {
                List<String> errors = records.stream()
                        .map(r -> ((org.jboss.logmanager.ExtLogRecord) r).getFormattedMessage()).toList();
                // not found (pass 1), the exception (pass 3), not found again (pass 4); pass 2 repeats pass 1 quietly
                assertEquals(3, errors.size(), () -> "errors: " + errors);
                String start = "llm/v: actuator gone could not scale Deployment llm/v (apps/v1) to ";
                assertTrue(errors.get(0).startsWith(start)
                        && errors.get(0).endsWith(": Deployment llm/v (apps/v1) not found (counted in"
                                + " llmd_autoscaler_actuations_total{outcome=\"failed\"}; retried every interval)"),
                        errors.get(0));
                assertTrue(errors.get(1).contains("IllegalStateException: the client is closed"), errors.get(1));
                assertTrue(errors.get(2).contains("not found"), errors.get(2));
            });

    @Inject
    AutoscalerLoop loop;

    @Inject
    MeterRegistry registry;

    @Test
    void failuresAreCountedEveryPassAndLoggedWhenTheyStartOrChange() {
        for (int i = 0; i < 4; i++) {
            assertEquals(1, loop.cycle().size(), "pass " + i + " decides");
        }
        assertEquals(4.0, registry.get("llmd_autoscaler_actuations").tags("variant_name", "v", "namespace", "llm",
                "actuator", "gone", "outcome", "failed").counter().count());
    }
}
