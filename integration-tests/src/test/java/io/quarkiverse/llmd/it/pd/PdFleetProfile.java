package io.quarkiverse.llmd.it.pd;

import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A decode pod and a prefill pod (labels {@code llm-d.ai/role}), each behind a recording front, with llm-d's
 * {@code pd-epp-config} (prefix-based decider, {@code nonCachedTokens: 16}). The decode sidecar is on too, under
 * {@code /sidecar}, in front of the decode pod.
 */
public class PdFleetProfile implements QuarkusTestProfile {

    static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: prefill-filter
            - type: decode-filter
            - type: prefix-cache-scorer
            - type: queue-scorer
            - type: max-score-picker
            - type: prefix-based-pd-decider
              parameters:
                nonCachedTokens: 16
            - type: disagg-profile-handler
              parameters:
                deciders:
                  prefill: prefix-based-pd-decider
            - type: inflight-load-producer
            schedulingProfiles:
            - name: prefill
              plugins:
              - pluginRef: prefill-filter
              - pluginRef: prefix-cache-scorer
                weight: 2
              - pluginRef: queue-scorer
                weight: 1
              - pluginRef: max-score-picker
            - name: decode
              plugins:
              - pluginRef: decode-filter
              - pluginRef: prefix-cache-scorer
                weight: 2
              - pluginRef: queue-scorer
                weight: 1
              - pluginRef: max-score-picker
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.data-layer.scrape", "true",
                "quarkus.llmd.config-text", CONFIG,
                "quarkus.llmd.pd.sidecar.enabled", "true",
                "quarkus.llmd.pd.sidecar.path-prefix", "/sidecar");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "pd")));
    }
}
