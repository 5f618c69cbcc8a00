package io.quarkiverse.llmd.it.pools;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Two pools on simulated pods, scraped as their EndpointPickerConfigs say: {@code good} with the defaults,
 * {@code wrong-path} with a {@code metrics-data-source} whose page does not exist.
 */
public class DataSourceProfile implements QuarkusTestProfile {

    static final String WRONG_PATH = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - name: pod-metrics
              type: metrics-data-source
              parameters: {path: /no-such-page}
            - name: vllm
              type: core-metrics-extractor
            - type: max-score-picker
            dataLayer:
              sources:
              - pluginRef: pod-metrics
                extractors:
                - pluginRef: vllm
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
              - pluginRef: max-score-picker
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.models", "unused-default-model",
                "quarkus.llmd.data-layer.scrape", "true",
                "quarkus.llmd.data-layer.scrape-timeout", "250ms",
                "quarkus.llmd.pools.\"good\".models", "good-model",
                "quarkus.llmd.pools.\"wrong-path\".models", "wrong-model",
                "quarkus.llmd.pools.\"wrong-path\".config-text", WRONG_PATH);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fleet.class));
    }

    /** One simulated pod per pool. */
    public static final class Fleet implements QuarkusTestResourceLifecycleManager {

        private SimulatedFleet fleet;

        @Override
        public Map<String, String> start() {
            fleet = SimulatedFleet.start(SimulatorConfig.builder("good-model").port(0).replicas(2).timeScale(20)
                    .seed(7).build());
            Map<String, String> props = new HashMap<>();
            props.put("quarkus.llmd.pools.\"good\".endpoints.\"good/pod-0\".address", fleet.addresses().get(0));
            props.put("quarkus.llmd.pools.\"wrong-path\".endpoints.\"wrong/pod-0\".address",
                    fleet.addresses().get(1));
            return props;
        }

        @Override
        public void stop() {
            if (fleet != null) {
                fleet.close();
            }
        }
    }
}
