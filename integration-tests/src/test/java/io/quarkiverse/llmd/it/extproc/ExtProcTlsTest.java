package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** TLS is on by default with a self-signed certificate generated at start; here subset hints are also ignored. */
@QuarkusTest
@TestProfile(TlsTestProfile.class)
class ExtProcTlsTest {

    @Test
    void handshakeWithTheSelfSignedCertificateAndRoute() throws Exception {
        assertThat(ConfigProvider.getConfig().getValue("quarkus.grpc.server.plain-text", Boolean.class)).isFalse();
        assertThat(ConfigProvider.getConfig().getValue("quarkus.grpc.server.ssl.certificate", String.class))
                .endsWith("tls.crt");
        try (EnvoyExtProcClient client = EnvoyExtProcClient.tlsTrustAll(); Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED, requestHeaders("/v1/completions"), false,
                    EnvoyExtProcClient.subsetHint("10.9.9.9:8000"));
            ex.requestBody("{\"model\":\"m\",\"prompt\":\"tls\"}".getBytes(StandardCharsets.UTF_8), true);
            ProcessingResponse r = ex.next();
            assertThat(setHeaders(r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList())
                    .get("x-gateway-destination-endpoint")).as("hint ignored: disable-endpoint-subset-filter")
                    .isIn("127.0.0.1:18001", "127.0.0.2:18002");
        }
    }

    @Test
    void plaintextClientIsRefused() throws Exception {
        try (EnvoyExtProcClient client = EnvoyExtProcClient.plaintext(); Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED, requestHeaders("/v1/completions"), true, null);
            assertThat(ex.awaitClosed().isOk()).isFalse();
        }
    }
}
