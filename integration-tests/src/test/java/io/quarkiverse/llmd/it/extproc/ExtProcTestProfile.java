package io.quarkiverse.llmd.it.extproc;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Plaintext ext_proc with three endpoints (two from application.properties plus one), a 256 KiB body cap, and a
 * scheduler that books in-flight load and records the response hooks.
 */
public class ExtProcTestProfile implements QuarkusTestProfile {

    static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: inflight-load-producer
            - type: test-recording-observer
            - type: queue-scorer
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.llmd.ext-proc.secure-serving", "false",
                "quarkus.llmd.ext-proc.max-body-size", "256K",
                "quarkus.llmd.endpoints.\"default/vllm-c-rank-0\".address", "127.0.0.3:18003",
                "quarkus.llmd.config-text", CONFIG);
    }
}
