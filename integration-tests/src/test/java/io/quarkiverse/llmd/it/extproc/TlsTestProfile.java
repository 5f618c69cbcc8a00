package io.quarkiverse.llmd.it.extproc;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The default: TLS with a self-signed certificate generated at start; subset hints ignored. */
public class TlsTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.llmd.ext-proc.secure-serving", "true",
                "quarkus.llmd.ext-proc.disable-endpoint-subset-filter", "true");
    }
}
