package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.metadataDestination;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;

/**
 * BUFFERED body mode, as the first GAIE pickers ran: the headers are answered at once with nothing, the destination
 * comes with the body reply (header mutation, dynamic metadata, body mutation).
 */
@QuarkusTest
@TestProfile(ExtProcTestProfile.class)
class ExtProcBufferedTest {

    static EnvoyExtProcClient client;

    @Inject
    @Identifier(RecordingObserver.TYPE)
    RecordingObserver recorder;

    @BeforeAll
    static void connect() {
        client = EnvoyExtProcClient.plaintext();
    }

    @AfterAll
    static void disconnect() throws Exception {
        client.close();
    }

    @Test
    void destinationTravelsWithTheBodyReply() throws Exception {
        String body = "{\"model\":\"client\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.BUFFERED, requestHeaders("/v1/chat/completions", "x-request-id",
                    "req-buffered", "x-gateway-model-name-rewrite", "served-model"), false, null);
            ProcessingResponse headers = ex.next();
            assertThat(headers.hasRequestHeaders()).isTrue();
            assertThat(headers.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersCount())
                    .as("headers answered at once with nothing").isZero();
            assertThat(headers.hasDynamicMetadata()).isFalse();

            ex.requestBody(body.getBytes(StandardCharsets.UTF_8), true);
            ProcessingResponse reply = ex.next();
            assertThat(reply.hasRequestBody()).isTrue();
            var common = reply.getRequestBody().getResponse();
            assertThat(common.getClearRouteCache()).isTrue();
            Map<String, String> set = setHeaders(common.getHeaderMutation().getSetHeadersList());
            String destination = set.get("x-gateway-destination-endpoint");
            assertThat(destination).isIn(ExtProcFullDuplexTest.POOL);
            assertThat(metadataDestination(reply)).isEqualTo(destination);
            String forwarded = common.getBodyMutation().getBody().toStringUtf8();
            assertThat(forwarded).contains("\"model\":\"served-model\"");
            assertThat(set).containsEntry("content-length", Integer.toString(common.getBodyMutation().getBody()
                    .size())).containsEntry(":path", "/v1/chat/completions");

            ex.responseHeaders(Map.of(":status", "200", "content-type", "application/json"), false,
                    EnvoyExtProcClient.served(destination));
            assertThat(ex.next().hasResponseHeaders()).isTrue();
            ex.responseBody("{\"object\":\"chat.completion\",\"model\":\"served-model\",\"usage\":"
                    + "{\"prompt_tokens\":11,\"completion_tokens\":1}}", true);
            ProcessingResponse rb = ex.next();
            assertThat(rb.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8())
                    .contains("\"model\":\"client\"").doesNotContain("served-model");
        }
        RecordingObserver.Seen seen = recorder.of("req-buffered");
        assertThat(seen.outcome.promptTokens()).isEqualTo(11);
        assertThat(seen.outcome.success()).isTrue();
    }

    @Test
    void responseWithoutRewriteIsLeftAlone() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.BUFFERED, requestHeaders("/v1/completions"), false, null);
            ex.next();
            ex.requestBody("{\"model\":\"m\",\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8), true);
            assertThat(ex.next().hasRequestBody()).isTrue();
            ex.responseHeaders(Map.of(":status", "500"), false, null);
            ex.next();
            ex.responseBody("oops", true);
            ProcessingResponse rb = ex.next();
            assertThat(rb.getResponseBody().getResponse().hasBodyMutation()).isFalse();
        }
    }

    @Test
    void rejectionIsAnImmediateResponseToTheBody() throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.BUFFERED, requestHeaders("/v1/chat/completions"), false, null);
            ex.next();
            ex.requestBody("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8), true);
            assertThat(ex.next().getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
        }
    }
}
