package io.quarkiverse.llmd.it.kvevents;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The precise prefix-cache pipeline in llm-d's v0.10 form, fed by KV events in each deployment mode. */
final class KvEventsProfiles {

    private KvEventsProfiles() {
    }

    /** token-producer + precise-prefix-cache-producer + prefix-cache-scorer, with the given kvEventsConfig. */
    static String config(String kvEventsConfig) {
        return """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: single-profile-handler
                - type: token-producer
                - type: precise-prefix-cache-producer
                  parameters:
                    tokenProcessorConfig:
                      blockSize: 64
                      hashSeed: "42"
                    indexerConfig:
                      kvBlockIndexConfig:
                        enableMetrics: true
                    kvEventsConfig:
                """ + kvEventsConfig.indent(6) + """
                - type: prefix-cache-scorer
                  parameters:
                    prefixMatchInfoProducerName: precise-prefix-cache-producer
                - type: queue-scorer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: prefix-cache-scorer
                    weight: 3
                  - pluginRef: queue-scorer
                    weight: 1
                  - pluginRef: max-score-picker
                """;
    }

    /** The pods publish to the socket the gateway binds. */
    public static class Centralized implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.config-text", config("""
                    zmqEndpoint: tcp://127.0.0.1:${kvevents.gateway-port}
                    topicFilter: "kv@"
                    discoverPods: false
                    concurrency: 2
                    podDiscoveryConfig:
                      replaySocketPort: ${kvevents.replay-port}
                    """));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KvEventsFleetResource.class, Map.of("mode", "centralized")));
        }
    }

    /** The gateway connects to each pod's socket. */
    public static class PerPod implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.config-text", config("""
                    topicFilter: "kv@"
                    discoverPods: true
                    podDiscoveryConfig:
                      socketPort: ${kvevents.pub-port}
                      replaySocketPort: ${kvevents.replay-port}
                    """));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KvEventsFleetResource.class, Map.of("mode", "per-pod")));
        }
    }
}
