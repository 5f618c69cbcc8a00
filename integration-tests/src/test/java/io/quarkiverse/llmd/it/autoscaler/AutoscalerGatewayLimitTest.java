package io.quarkiverse.llmd.it.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The autoscaler in the gateway plans each replica for the batch the gateway lets it run: behind flow control over a
 * {@code concurrency-detector} that admits 3 requests per endpoint, the batch limit N of every decision is 3, although
 * the variant's engine has 8 batch slots; without the detector's limit the loop would plan for 8.
 */
@QuarkusTest
@TestProfile(AutoscalerGatewayLimitTest.Profile.class)
class AutoscalerGatewayLimitTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String v = "quarkus.llmd.autoscaler.variants.\"sim-h100\"";
            Map<String, String> props = new HashMap<>();
            props.put("quarkus.llmd.config-text", """
                    apiVersion: llm-d.ai/v1alpha1
                    kind: EndpointPickerConfig
                    featureGates: [flowControl]
                    plugins:
                      - type: concurrency-detector
                        parameters:
                          maxConcurrency: 3
                      - type: queue-scorer
                    schedulingProfiles:
                      - name: default
                        plugins:
                          - pluginRef: concurrency-detector
                          - pluginRef: queue-scorer
                    saturationDetector:
                      pluginRef: concurrency-detector
                    flowControl:
                      defaultRequestTTL: 30s
                    """);
            props.put("quarkus.llmd.autoscaler.enabled", "true");
            props.put("quarkus.llmd.autoscaler.interval", "1h"); // the test runs the cycles itself
            props.put(v + ".namespace", "llm");
            props.put(v + ".model", "sim-model");
            props.put(v + ".accelerator", "H100");
            props.put(v + ".min-replicas", "1");
            props.put(v + ".max-replicas", "4");
            props.put(v + ".max-num-seqs", "8");
            return props;
        }
    }

    @Inject
    AutoscalerLoop loop;

    @Test
    void theBatchLimitIsWhatTheGatewaysConcurrencyDetectorAdmits() {
        List<ScalingDecision> decisions = loop.cycle();
        assertThat(decisions).singleElement().satisfies(d -> {
            assertThat(d.variant()).isEqualTo("sim-h100");
            assertThat(d.inputs().calibration().maxBatch()).isEqualTo(3);
        });
    }
}
