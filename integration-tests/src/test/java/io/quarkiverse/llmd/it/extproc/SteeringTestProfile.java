package io.quarkiverse.llmd.it.extproc;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Conformance steering: the only filter is {@code header-based-testing-filter} (so a request without the steering
 * header has no endpoint left: 429), and the picker returns up to two endpoints (a comma list).
 */
public class SteeringTestProfile implements QuarkusTestProfile {

    static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: header-based-testing-filter
            - type: max-score-picker
              parameters:
                maxNumOfEndpoints: 2
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: header-based-testing-filter
              - pluginRef: max-score-picker
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.llmd.ext-proc.secure-serving", "false",
                "quarkus.llmd.endpoints.\"default/vllm-c-rank-0\".address", "127.0.0.3:18003",
                "quarkus.llmd.config-text", CONFIG);
    }
}
