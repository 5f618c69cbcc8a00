package io.quarkiverse.llmd.it.faults;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.vertx.core.Vertx;

/**
 * Three simulated pods, each behind a {@link FaultyFront}, scheduled by queue depth (what the pods report on their
 * scraped /metrics). Short bounds so faults show within the suite's seconds: metrics every 100 ms (stale after 1 s),
 * first byte within 2 s, three failures in a row eject for 3 s (at most 6 s), small metric label caps so the flood
 * exhausts them.
 */
public class FaultFleetProfile implements QuarkusTestProfile {

    static final String[] NAMES = { "default/vllm-a-rank-0", "default/vllm-b-rank-0", "default/vllm-c-rank-0" };
    static final int MODEL_LIMIT = 50;
    static final int SET_LIMIT = 100;

    static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - type: max-score-picker
            - type: inflight-load-producer
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
                weight: 1
              - pluginRef: max-score-picker
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.llmd.config-text", CONFIG);
        m.put("quarkus.llmd.data-layer.scrape", "true");
        m.put("quarkus.llmd.data-layer.refresh-interval", "100ms");
        m.put("quarkus.llmd.data-layer.scrape-timeout", "250ms");
        m.put("quarkus.llmd.proxy.first-byte-timeout", "2s");
        m.put("quarkus.llmd.proxy.connect-timeout", "1s");
        // the slowloris scenario runs 8 s: a 2 s head deadline shows its effect inside it
        m.put("quarkus.llmd.proxy.request-header-timeout", "2s");
        m.put("quarkus.llmd.outlier-detection.consecutive-failures", "3");
        m.put("quarkus.llmd.outlier-detection.base-ejection-time", "3s");
        m.put("quarkus.llmd.outlier-detection.max-ejection-time", "6s");
        m.put("quarkus.llmd.outlier-detection.interval", "100ms");
        m.put("quarkus.llmd.outlier-detection.stale-after-intervals", "10");
        m.put("quarkus.llmd.metrics.model-label-limit", Integer.toString(MODEL_LIMIT));
        m.put("quarkus.llmd.metrics.fairness-id-label-limit", Integer.toString(MODEL_LIMIT));
        m.put("quarkus.llmd.metrics.label-set-limit", Integer.toString(SET_LIMIT));
        m.put("quarkus.log.level", "WARN");
        m.put("quarkus.log.category.\"io.quarkiverse.llmd.runtime.health\".level", "INFO");
        return m;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fleet.class));
    }

    /** The pods and their fronts; static so the suite can switch faults. */
    public static final class Fleet implements QuarkusTestResourceLifecycleManager {

        static volatile SimulatedFleet pods;
        static volatile List<FaultyFront> fronts;
        private Vertx vertx;

        @Override
        public Map<String, String> start() {
            // 8 sequences per pod: 24 in all, so the overload scenario's concurrency queues inside the pods
            pods = SimulatedFleet.start(SimulatorConfig.builder("sim-model").port(0).replicas(3).timeScale(20)
                    .maxNumSeqs(8).seed(11).build());
            vertx = Vertx.vertx();
            fronts = pods.addresses().stream().map(a -> FaultyFront.start(vertx, a)).toList();
            Map<String, String> props = new HashMap<>();
            for (int i = 0; i < NAMES.length; i++) {
                props.put("quarkus.llmd.endpoints.\"" + NAMES[i] + "\".address", fronts.get(i).address());
            }
            return props;
        }

        @Override
        public void stop() {
            fronts.forEach(FaultyFront::close);
            vertx.close();
            pods.close();
        }
    }
}
