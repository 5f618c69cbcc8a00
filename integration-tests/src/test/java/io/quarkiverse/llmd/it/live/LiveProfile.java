package io.quarkiverse.llmd.it.live;

import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/** Two healthy simulated pods behind the app's static endpoints, metrics scraped, plaintext ext_proc. */
public class LiveProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.data-layer.scrape", "true",
                "quarkus.llmd.data-layer.scrape-timeout", "250ms",
                "quarkus.llmd.ext-proc.secure-serving", "false");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "healthy")));
    }
}
