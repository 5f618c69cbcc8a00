package io.quarkiverse.llmd.it.flowcontrol;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;

/** Helpers: set the static endpoints' metrics (fresh) and build requests. */
final class Pool {

    static final String CONFIG_PREFIX = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
              - type: queue-scorer
              - type: utilization-detector
                parameters:
                  metricsStalenessThreshold: 1h
            schedulingProfiles:
              - name: default
                plugins:
                  - pluginRef: queue-scorer
            saturationDetector:
              pluginRef: utilization-detector
            """;

    private Pool() {
    }

    /** KV-cache usage of every endpoint: 0.95 saturates the pool (threshold 0.8), 0.1 leaves room. */
    static void kvUsage(EndpointRegistry registry, double kv) {
        Map<String, EndpointMetrics> metrics = new HashMap<>();
        registry.endpoints().forEach(e -> metrics.put(e.name(), EndpointMetrics.load(0, 1, kv, Instant.now())));
        registry.updateMetrics(metrics);
    }

    static void saturate(EndpointRegistry registry) {
        kvUsage(registry, 0.95);
    }

    static void relieve(EndpointRegistry registry) {
        kvUsage(registry, 0.1);
    }

    static byte[] body(String prompt) {
        return ("{\"model\":\"m\",\"prompt\":\"" + prompt + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> objective(String name) {
        return name == null ? Map.of() : Map.of("x-gateway-inference-objective", name);
    }
}
