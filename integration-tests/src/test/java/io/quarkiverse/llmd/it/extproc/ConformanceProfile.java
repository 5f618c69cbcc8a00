package io.quarkiverse.llmd.it.extproc;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The picker as the Gateway API Inference Extension's conformance suite runs one: steering by the
 * {@code test-epp-endpoint-selection} header, one endpoint picked, plaintext. Endpoints: the two of
 * application.properties and a pod serving three data-parallel ranks on ports 3000, 3002 and 3004 of one IP.
 */
public class ConformanceProfile implements QuarkusTestProfile {

    static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: header-based-testing-filter
            - type: test-recording-observer
            - type: max-score-picker
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
                "quarkus.llmd.endpoints.\"default/vllm-dp-rank-0\".address", "127.0.0.3:3000",
                "quarkus.llmd.endpoints.\"default/vllm-dp-rank-1\".address", "127.0.0.3:3002",
                "quarkus.llmd.endpoints.\"default/vllm-dp-rank-2\".address", "127.0.0.3:3004",
                "quarkus.llmd.config-text", CONFIG);
    }
}
