package io.quarkiverse.llmd.it.hardening;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkiverse.llmd.runtime.extproc.SelfSignedCertificate;
import io.quarkus.test.junit.QuarkusTestProfile;

/** ext_proc over TLS (the generated server certificate) that requires client certificates signed by {@link #CA}. */
public class ExtProcMutualTlsProfile implements QuarkusTestProfile {

    static final SelfSignedCertificate CA = SelfSignedCertificate.authority("llmd-test-proxies");
    static final SelfSignedCertificate OTHER_CA = SelfSignedCertificate.authority("someone-else");

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path ca = Files.createTempFile("llmd-client-ca", ".pem");
            ca.toFile().deleteOnExit();
            Files.writeString(ca, CA.certificatePem());
            return Map.of("quarkus.llmd.ext-proc.client-ca-path", ca.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
