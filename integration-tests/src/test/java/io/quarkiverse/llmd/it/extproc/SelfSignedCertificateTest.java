package io.quarkiverse.llmd.it.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.extproc.SelfSignedCertificate;

/** The JDK-only certificate generator makes a certificate the JDK parses and verifies. */
class SelfSignedCertificateTest {

    @Test
    void generatesAValidServerCertificate() throws Exception {
        SelfSignedCertificate ssc = SelfSignedCertificate.generate();
        var cert = ssc.certificate();
        cert.checkValidity();
        cert.verify(ssc.keyPair().getPublic());
        assertThat(cert.getVersion()).isEqualTo(3);
        assertThat(cert.getSubjectX500Principal().getName()).contains("CN=quarkus-llmd-epp");
        List<Object> sans = new java.util.ArrayList<>();
        cert.getSubjectAlternativeNames().forEach(l -> sans.add(l.get(1)));
        assertThat(sans).containsExactlyInAnyOrder("localhost", "127.0.0.1");
        assertThat(cert.getExtendedKeyUsage()).isEqualTo(List.of("1.3.6.1.5.5.7.3.1"));

        Path dir = ssc.writeToTempDirectory();
        assertThat(Files.readString(dir.resolve("tls.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(dir.resolve("tls.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }
}
