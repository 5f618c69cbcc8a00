package io.quarkiverse.llmd.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.autoscaler.DecisionListener;
import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The gateway finds the actuators of its modules as beans, so variants can name them, and the CloudEvents sender of
 * the cloud-events module as a decision listener.
 */
@QuarkusTest
class KnativeActuatorBeanTest {

    @Inject
    @Any
    Instance<ScaleActuator> actuators;

    @Inject
    @Any
    Instance<DecisionListener> listeners;

    @Test
    void theActuatorsAndTheCloudEventsSenderAreBeans() {
        assertThat(actuators.stream().map(ScaleActuator::name)).contains("knative", "scale", "llminferenceservice");
        assertThat(listeners.stream().map(l -> l.getClass().getName()))
                .anyMatch(n -> n.startsWith("io.quarkiverse.llmd.cloudevents.DecisionCloudEvents"));
    }
}
