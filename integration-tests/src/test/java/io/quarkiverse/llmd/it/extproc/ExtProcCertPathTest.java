package io.quarkiverse.llmd.it.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The ext_proc server presents the certificate found in {@code cert-path}. */
@QuarkusTest
@TestProfile(TlsCertPathTestProfile.class)
class ExtProcCertPathTest {

    @Test
    void serverPresentsTheMountedCertificate() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
                EnvoyExtProcClient.grpcPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] { "h2" });
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
            X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertThat(presented).isEqualTo(TlsCertPathTestProfile.MOUNTED.certificate());
        }
    }
}
