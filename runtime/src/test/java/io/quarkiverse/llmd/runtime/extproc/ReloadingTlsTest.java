package io.quarkiverse.llmd.runtime.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.vertx.core.Vertx;

class ReloadingTlsTest {

    private static final Vertx VERTX = Vertx.vertx();

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        VERTX.close();
    }

    private void write(SelfSignedCertificate cert, SelfSignedCertificate key) throws Exception {
        Files.writeString(dir.resolve("tls.crt"), cert.certificatePem());
        Files.writeString(dir.resolve("tls.key"), key.privateKeyPem());
    }

    private static X509Certificate served(ReloadingTls.SwappableKeyManager keys) {
        String alias = keys.chooseEngineServerAlias("EC", null, null);
        return keys.getCertificateChain(alias)[0];
    }

    @Test
    void aChangedPairIsServedAMismatchedOneIsRefused() throws Exception {
        SelfSignedCertificate first = SelfSignedCertificate.generate();
        SelfSignedCertificate second = SelfSignedCertificate.generate();
        write(first, first);
        ReloadingTls tls = new ReloadingTls(VERTX, dir, null);
        ReloadingTls.SwappableKeyManager keys = tls.keys();
        assertThat(served(keys)).isEqualTo(first.certificate());
        assertThat(tls.reloadNow()).as("unchanged files").isFalse();

        String before = keys.chooseEngineServerAlias("EC", null, null);
        write(second, first); // the certificate is new, the key not yet: half a rotation
        assertThat(tls.reloadNow()).isFalse();
        assertThat(served(keys)).isEqualTo(first.certificate());

        write(second, second);
        assertThat(tls.reloadNow()).isTrue();
        assertThat(served(keys)).isEqualTo(second.certificate());
        // a handshake that chose its alias before the swap still gets the key of that certificate
        assertThat(keys.getCertificateChain(before)[0]).isEqualTo(first.certificate());
        assertThat(keys.getPrivateKey(before)).isEqualTo(first.keyPair().getPrivate());
        assertThat(keys.getPrivateKey(keys.chooseEngineServerAlias("EC", null, null)))
                .isEqualTo(second.keyPair().getPrivate());
    }

    @Test
    void theClientAuthorityCanRotate() throws Exception {
        SelfSignedCertificate oldCa = SelfSignedCertificate.authority("old");
        SelfSignedCertificate newCa = SelfSignedCertificate.authority("new");
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, oldCa.certificatePem());
        ReloadingTls tls = new ReloadingTls(VERTX, null, ca);
        X509Certificate[] oldClient = { oldCa.issueClient("envoy").certificate() };
        X509Certificate[] newClient = { newCa.issueClient("envoy").certificate() };
        tls.trust().checkClientTrusted(oldClient, "ECDHE_ECDSA");
        assertThatThrownBy(() -> tls.trust().checkClientTrusted(newClient, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);

        Files.writeString(ca, "not a certificate");
        assertThat(tls.reloadNow()).isFalse();
        tls.trust().checkClientTrusted(oldClient, "ECDHE_ECDSA");

        Files.writeString(ca, newCa.certificatePem());
        assertThat(tls.reloadNow()).isTrue();
        tls.trust().checkClientTrusted(newClient, "ECDHE_ECDSA");
        assertThatThrownBy(() -> tls.trust().checkClientTrusted(oldClient, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void unusableFilesAtStartNameTheirProperty() throws Exception {
        Files.writeString(dir.resolve("tls.crt"), "garbage");
        Files.writeString(dir.resolve("tls.key"), "garbage");
        assertThatThrownBy(() -> new ReloadingTls(VERTX, dir, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("quarkus.llmd.ext-proc.cert-path");
        assertThatThrownBy(() -> new ReloadingTls(VERTX, null, dir.resolve("missing.pem")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("quarkus.llmd.ext-proc.client-ca-path");
    }
}
