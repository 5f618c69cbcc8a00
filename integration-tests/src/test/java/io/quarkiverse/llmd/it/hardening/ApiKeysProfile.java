package io.quarkiverse.llmd.it.hardening;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/** Two healthy simulated pods behind a proxy that requires one of two API keys. */
public class ApiKeysProfile implements QuarkusTestProfile {

    static final String ALICE_KEY = "sk-alice-0123456789abcdef";
    static final String BOB_KEY = "sk-bob-fedcba9876543210";

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path file = Files.createTempFile("llmd-api-keys", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, "# key tenant\n" + ALICE_KEY + " alice\n\n" + BOB_KEY + "   bob\n");
            return Map.of("quarkus.llmd.proxy.api-keys-file", file.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "healthy")));
    }
}
