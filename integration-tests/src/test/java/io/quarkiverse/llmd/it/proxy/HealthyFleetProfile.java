package io.quarkiverse.llmd.it.proxy;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Two healthy simulated pods, llm-d's default scheduler, metrics scraped every 50 ms. */
public class HealthyFleetProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.data-layer.scrape", "true",
                "quarkus.llmd.data-layer.scrape-timeout", "250ms",
                "quarkus.llmd.proxy.max-body-size", "64K",
                "quarkus.llmd.model-rewrites.\"my-alias\"", SimFleetResource.MODEL);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "healthy")));
    }
}
