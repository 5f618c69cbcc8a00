package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.metadataDestination;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Conformance steering with {@code test-epp-endpoint-selection}, fallbacks as a comma list, and 429. */
@QuarkusTest
@TestProfile(SteeringTestProfile.class)
class ExtProcSteeringTest {

    static final byte[] BODY = "{\"model\":\"m\",\"prompt\":\"steer\"}".getBytes(StandardCharsets.UTF_8);

    static EnvoyExtProcClient client;

    @BeforeAll
    static void connect() {
        client = EnvoyExtProcClient.plaintext();
    }

    @AfterAll
    static void disconnect() throws Exception {
        client.close();
    }

    private static ProcessingResponse route(String steering) throws Exception {
        try (Exchange ex = client.open()) {
            var headers = requestHeaders("/v1/completions");
            if (steering != null) {
                headers.put("test-epp-endpoint-selection", steering);
            }
            ex.requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED, headers, false, null);
            ex.requestBody(BODY, true);
            return ex.next();
        }
    }

    @Test
    void steeringHeaderPicksTheNamedEndpoint() throws Exception {
        for (int i = 0; i < 5; i++) {
            ProcessingResponse r = route("127.0.0.2");
            String destination = setHeaders(r.getRequestHeaders().getResponse().getHeaderMutation()
                    .getSetHeadersList()).get("x-gateway-destination-endpoint");
            assertThat(destination).isEqualTo("127.0.0.2:18002");
            assertThat(metadataDestination(r)).isEqualTo(destination);
        }
    }

    @Test
    void severalEndpointsMakeACommaListIdenticalInHeaderAndMetadata() throws Exception {
        ProcessingResponse r = route("127.0.0.3:18003,127.0.0.1");
        String destination = setHeaders(r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList())
                .get("x-gateway-destination-endpoint");
        assertThat(destination.split(",")).containsExactlyInAnyOrder("127.0.0.3:18003", "127.0.0.1:18001");
        assertThat(metadataDestination(r)).isEqualTo(destination);
    }

    @Test
    void everyProfileFilteringEverythingIs429() throws Exception {
        ProcessingResponse r = route(null);
        assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(429);
        assertThat(r.getImmediateResponse().getBody().toStringUtf8())
                .startsWith("inference error: ResourceExhausted - ");
    }
}
