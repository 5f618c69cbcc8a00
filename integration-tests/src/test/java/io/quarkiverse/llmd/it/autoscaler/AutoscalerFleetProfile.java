package io.quarkiverse.llmd.it.autoscaler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Two simulated pods with a batch of two requests each (so that a burst queues on them), scraped every 50 ms, and
 * the autoscaler on with one variant over the default pool, deciding every 300 ms with no stabilization window so
 * that a quiet pool scales down at once.
 */
public class AutoscalerFleetProfile implements QuarkusTestProfile {

    static final String MODEL = "sim-model";
    static final String VARIANT = "sim-h100";

    @Override
    public Map<String, String> getConfigOverrides() {
        String v = "quarkus.llmd.autoscaler.variants.\"" + VARIANT + "\"";
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.llmd.data-layer.scrape", "true");
        props.put("quarkus.llmd.data-layer.scrape-timeout", "250ms");
        props.put("quarkus.llmd.autoscaler.enabled", "true");
        props.put("quarkus.llmd.autoscaler.interval", "300ms");
        props.put("quarkus.llmd.autoscaler.stabilization-window", "0s");
        props.put("quarkus.llmd.autoscaler.decision-log-size", "500");
        // a shorter memory of recurring demand than the defaults: the settings reach the engine, which checks them
        props.put("quarkus.llmd.autoscaler.recurrence-period", "1h");
        props.put("quarkus.llmd.autoscaler.recurring-periods", "2");
        props.put(v + ".namespace", "llm");
        props.put(v + ".model", MODEL);
        props.put(v + ".accelerator", "H100");
        props.put(v + ".cost", "12.5");
        props.put(v + ".min-replicas", "1");
        props.put(v + ".max-replicas", "6");
        props.put(v + ".max-num-seqs", "2");
        props.put(v + ".ttft", "1s");
        props.put(v + ".itl", "50ms");
        return props;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fleet.class));
    }

    /** The two simulated pods behind the application's two static endpoints. */
    public static class Fleet implements QuarkusTestResourceLifecycleManager {

        private SimulatedFleet fleet;

        @Override
        public Map<String, String> start() {
            fleet = SimulatedFleet.start(SimulatorConfig.builder(MODEL).port(0).timeScale(20).seed(11).replicas(2)
                    .maxNumSeqs(2).build());
            // vllm-a carries llm-d.ai/role=decode (application.properties): an aggregated variant takes it
            return Map.of("quarkus.llmd.endpoints.\"default/vllm-a-rank-0\".address", fleet.addresses().get(0),
                    "quarkus.llmd.endpoints.\"default/vllm-b-rank-0\".address", fleet.addresses().get(1));
        }

        @Override
        public void stop() {
            if (fleet != null) {
                fleet.close();
            }
        }
    }
}
