package io.quarkiverse.llmd.it.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.proxy.ConnectionDeadlines;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The HTTP port closes a connection that does not finish its request head in time (slowloris) and a keep-alive
 * connection that stays without a request, but never a request in progress: a response streaming with pauses longer
 * than both deadlines arrives whole. Deadlines are 1 s here; the loops below give up after 30 s, a bound on the test,
 * not a timing assertion.
 */
@QuarkusTest
@TestProfile(SlowStreamProfile.class)
class RequestHeaderTimeoutTest {

    private static final int GIVE_UP_MS = 30_000;
    private static final int POLL_MS = 100;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Inject
    ConnectionDeadlines deadlines;

    @Test
    void aClientTricklingItsRequestHeadIsDisconnected() throws Exception {
        long before = deadlines.headTimeouts();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(POLL_MS);
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/completions HTTP/1.1\r\nhost: gateway\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] trickle = "x-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .repeat(4).getBytes(StandardCharsets.US_ASCII);
            boolean closed = false;
            for (int i = 0; i < GIVE_UP_MS / POLL_MS && !closed; i++) {
                try {
                    out.write(trickle[i % trickle.length]); // one header byte per poll: never idle, never complete
                    out.flush();
                    closed = s.getInputStream().read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // the gateway is still waiting for the rest of the head
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertThat(closed).as("the gateway closed the trickling connection").isTrue();
        }
        assertThat(deadlines.headTimeouts()).isGreaterThan(before);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterItsResponse() throws Exception {
        long before = deadlines.keepAliveTimeouts();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(GIVE_UP_MS);
            s.getOutputStream().write("GET /v1/no-such-route HTTP/1.1\r\nhost: gateway\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String head = SlowStreamProfile.SlowPod.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 404");
            assertThat(head.toLowerCase()).doesNotContain("connection: close");
            in.readNBytes(SlowStreamProfile.SlowPod.contentLength(head));
            // served and kept alive; then nothing more is sent, and the gateway hangs up
            assertThat(in.read()).as("end of stream").isEqualTo(-1);
        }
        assertThat(deadlines.keepAliveTimeouts()).isGreaterThan(before);
    }

    @Test
    void aSlowStreamingResponseIsNotCut() throws Exception {
        long headBefore = deadlines.headTimeouts();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"slow\",\"stream\":true}"))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        for (int i = 0; i < SlowStreamProfile.SlowPod.CHUNKS; i++) {
            assertThat(response.body()).contains("token" + i);
        }
        assertThat(response.body()).contains("data: [DONE]");
        assertThat(deadlines.headTimeouts()).isEqualTo(headBefore);
    }
}
