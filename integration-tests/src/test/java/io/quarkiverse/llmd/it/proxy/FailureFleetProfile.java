package io.quarkiverse.llmd.it.proxy;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A healthy pod, a dead address and a pod that drops every connection; requests are steered with the conformance
 * header {@code test-epp-endpoint-selection} (header-based-testing-filter), then the queue scorer. Scraping is off so
 * tests can set the metrics the scorer sees.
 */
public class FailureFleetProfile implements QuarkusTestProfile {

    static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: header-based-testing-filter
            - type: queue-scorer
            - type: max-score-picker
            - type: inflight-load-producer
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: header-based-testing-filter
              - pluginRef: queue-scorer
                weight: 1
              - pluginRef: max-score-picker
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.data-layer.scrape", "false",
                "quarkus.llmd.config-text", CONFIG,
                "quarkus.llmd.proxy.connect-timeout", "2s");
    }

    @Override
    public java.util.Set<Class<?>> getEnabledAlternatives() {
        return java.util.Set.of(SheddingAdmission.class);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "failures")));
    }
}
