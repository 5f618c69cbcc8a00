package io.quarkiverse.llmd.it.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A rotated certificate in {@code cert-path} is served to new connections without a restart: a client that trusts only
 * the new certificate connects once the secret is swapped, and one that trusts only the old one no longer does.
 */
@QuarkusTest
@TestProfile(ExtProcCertRotationProfile.class)
class ExtProcCertReloadTest {

    /** Polls for the reload; a bound on the test, not a timing assertion. */
    private static final int ATTEMPTS = 300;

    @Test
    void aRotatedSecretIsServedToNewConnections() throws Exception {
        var first = ExtProcCertRotationProfile.FIRST.certificate();
        var second = ExtProcCertRotationProfile.SECOND.certificate();
        assertThat(TlsProbe.handshake(first, null)).as("the mounted certificate is served").isTrue();
        assertThat(TlsProbe.handshake(second, null)).as("not yet the next one").isFalse();

        ExtProcCertRotationProfile.rotateTo(ExtProcCertRotationProfile.SECOND);
        boolean rotated = false;
        for (int i = 0; i < ATTEMPTS && !rotated; i++) {
            rotated = TlsProbe.handshake(second, null);
            if (!rotated) {
                Thread.sleep(100);
            }
        }
        assertThat(rotated).as("a client trusting only the new certificate connects").isTrue();
        assertThat(TlsProbe.handshake(first, null)).as("the old certificate is no longer served").isFalse();
        assertThat(TlsProbe.exchange(null)).as("and the picker answers over it")
                .isInstanceOf(io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse.class);
    }
}
