package io.quarkiverse.llmd.it.metrics;

import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/** Two healthy simulated pods and small label caps, so that a test can exhaust them quickly. */
public class BoundedLabelsProfile implements QuarkusTestProfile {

    static final int MODEL_LIMIT = 20;
    static final int FAIRNESS_LIMIT = 20;
    static final int SET_LIMIT = 50;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.metrics.model-label-limit", Integer.toString(MODEL_LIMIT),
                "quarkus.llmd.metrics.fairness-id-label-limit", Integer.toString(FAIRNESS_LIMIT),
                "quarkus.llmd.metrics.label-set-limit", Integer.toString(SET_LIMIT));
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "healthy")));
    }
}
