package io.quarkiverse.llmd.it.hardening;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import io.quarkiverse.llmd.it.TempDirs;
import io.quarkiverse.llmd.runtime.extproc.SelfSignedCertificate;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * ext_proc TLS from a directory laid out as Kubernetes mounts a secret ({@code tls.crt -> ..data/tls.crt},
 * {@code ..data -> ..v1}), checked for changes every 100 ms; {@link #rotateTo} swaps it as the kubelet does.
 */
public class ExtProcCertRotationProfile implements QuarkusTestProfile {

    static final SelfSignedCertificate FIRST = SelfSignedCertificate.generate();
    static final SelfSignedCertificate SECOND = SelfSignedCertificate.generate();
    static final Path DIR;
    private static int version;

    static {
        try {
            DIR = TempDirs.deletedOnExit("llmd-secret-mount");
            rotateTo(FIRST);
            Files.createSymbolicLink(DIR.resolve("tls.crt"), Path.of("..data", "tls.crt"));
            Files.createSymbolicLink(DIR.resolve("tls.key"), Path.of("..data", "tls.key"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a new timestamped directory, then points {@code ..data} at it with one atomic rename. */
    static synchronized void rotateTo(SelfSignedCertificate certificate) throws IOException {
        String name = "..v" + (++version);
        Path dir = Files.createDirectory(DIR.resolve(name));
        Files.writeString(dir.resolve("tls.crt"), certificate.certificatePem());
        Files.writeString(dir.resolve("tls.key"), certificate.privateKeyPem());
        Path next = Files.createSymbolicLink(DIR.resolve("..data_tmp"), Path.of(name));
        Files.move(next, DIR.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.ext-proc.cert-path", DIR.toString(),
                "quarkus.llmd.ext-proc.cert-reload-period", "100ms");
    }
}
