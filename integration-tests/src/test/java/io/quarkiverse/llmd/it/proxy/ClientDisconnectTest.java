package io.quarkiverse.llmd.it.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.runtime.proxy.ProxyMetrics;
import io.quarkiverse.llmd.simulator.SimulatedPod;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * A client that hangs up mid-stream makes the proxy reset the request to the pod, which aborts it; a response that
 * ends normally is never taken for a hang-up, whatever the HTTP version.
 */
@QuarkusTest
@TestProfile(HealthyFleetProfile.class)
class ClientDisconnectTest {

    @Inject
    ProxyMetrics metrics;

    @Inject
    MeterRegistry registry;

    /**
     * HTTP/2 (here over a cleartext upgrade, the JDK client's default) closes the stream when the response ends; that
     * close must not count as a client disconnect nor turn the served request into a failure without usage.
     */
    @Test
    void anHttp2StreamClosedByItsOwnEndIsNotADisconnect() throws Exception {
        long disconnects = metrics.clientDisconnects();
        long recorded = inputTokenRecords();
        HttpClient client = HttpClient.newHttpClient();
        for (boolean stream : new boolean[] { false, true, false }) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + RestAssured.port + "/v1/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + SimFleetResource.MODEL
                            + "\",\"prompt\":\"hello\",\"max_tokens\":4"
                            + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}" : "}")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.version()).as("the exchange this test is about").isEqualTo(HttpClient.Version.HTTP_2);
        }
        MetricsScraperTest.await("the three requests are recorded with their usage",
                () -> inputTokenRecords() >= recorded + 3);
        assertThat(metrics.clientDisconnects()).isEqualTo(disconnects);
    }

    private long inputTokenRecords() {
        return registry.find("llm_d_epp_request_input_tokens").summaries().stream()
                .mapToLong(DistributionSummary::count).sum();
    }

    @Test
    void clientDisconnectResetsTheUpstreamRequest() throws Exception {
        long before = metrics.clientDisconnects();
        String body = "{\"model\":\"" + SimFleetResource.MODEL + "\",\"prompt\":\"An endless story\","
                + "\"max_tokens\":10000,\"ignore_eos\":true,\"stream\":true}";
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
                    + "content-length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!seen.toString().contains("data: ")) {
                int n = in.read(buf);
                assertThat(n).as("the stream started").isPositive();
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertThat(seen.toString()).startsWith("HTTP/1.1 200");
        }
        MetricsScraperTest.await("the proxy saw the disconnect", () -> metrics.clientDisconnects() > before);
        MetricsScraperTest.await("the pod aborted the request", () -> SimFleetResource.fleet("healthy").pods()
                .stream().mapToInt(ClientDisconnectTest::running).sum() == 0);
    }

    private static int running(SimulatedPod pod) {
        return pod.driver().numRunning() + pod.driver().numWaiting();
    }
}
