package io.quarkiverse.llmd.it.extproc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import io.quarkiverse.llmd.runtime.extproc.SelfSignedCertificate;
import io.quarkus.test.junit.QuarkusTestProfile;

/** TLS with {@code tls.crt}/{@code tls.key} from {@code cert-path}, as from a mounted Kubernetes TLS secret. */
public class TlsCertPathTestProfile implements QuarkusTestProfile {

    static final SelfSignedCertificate MOUNTED = SelfSignedCertificate.generate();
    static final Path DIR;

    static {
        try {
            DIR = MOUNTED.writeToTempDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.ext-proc.cert-path", DIR.toString());
    }
}
