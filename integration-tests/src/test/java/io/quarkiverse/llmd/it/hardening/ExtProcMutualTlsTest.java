package io.quarkiverse.llmd.it.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.runtime.extproc.SelfSignedCertificate;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** With {@code client-ca-path}, only proxies presenting a certificate signed by that authority are served. */
@QuarkusTest
@TestProfile(ExtProcMutualTlsProfile.class)
class ExtProcMutualTlsTest {

    @Test
    void aProxyWithACertificateFromTheAuthorityIsServed() throws Exception {
        Object reply = TlsProbe.exchange(ExtProcMutualTlsProfile.CA.issueClient("envoy-gateway"));
        assertThat(reply).as("the picker answered").isInstanceOf(ProcessingResponse.class);
    }

    @Test
    void aProxyWithoutACertificateIsRefused() throws Exception {
        assertThat(TlsProbe.exchange(null)).isInstanceOf(Throwable.class);
    }

    @Test
    void aProxyWithACertificateFromAnotherAuthorityIsRefused() throws Exception {
        SelfSignedCertificate stranger = ExtProcMutualTlsProfile.OTHER_CA.issueClient("envoy-gateway");
        assertThat(TlsProbe.exchange(stranger)).isInstanceOf(Throwable.class);
    }
}
