package io.quarkiverse.llmd.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.autoscaler.ScaleActuator;
import io.quarkus.test.junit.QuarkusTest;

/** The gateway finds the Knative actuator of the knative jar as a bean, so variants can name it. */
@QuarkusTest
class KnativeActuatorBeanTest {

    @Inject
    @Any
    Instance<ScaleActuator> actuators;

    @Test
    void theKnativeActuatorIsABean() {
        assertThat(actuators.stream().map(ScaleActuator::name)).contains("knative");
    }
}
