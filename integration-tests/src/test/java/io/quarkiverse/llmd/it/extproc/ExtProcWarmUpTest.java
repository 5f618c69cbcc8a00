package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.setHeaders;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.runtime.extproc.ExtProcWarmUp;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.smallrye.common.annotation.Identifier;

/**
 * The ext_proc warm-up: the gateway rehearses decisions on its own ext_proc port before it reports ready, and the
 * rehearsals leave nothing behind (no request metric, no hook, no in-flight count); a client cannot rehearse.
 */
@QuarkusTest
@TestProfile(ExtProcWarmUpTest.Profile.class)
class ExtProcWarmUpTest {

    /** The ext_proc test setup with an 8 s warm-up (off by default in test mode). */
    public static class Profile extends ExtProcTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("quarkus.llmd.ext-proc.warm-up", "8s");
            return config;
        }
    }

    @Inject
    ExtProcWarmUp warmUp;

    @Inject
    MeterRegistry meters;

    @Inject
    @Identifier(RecordingObserver.TYPE)
    RecordingObserver recorder;

    @Test
    void readinessWaitsForTheWarmUpWhoseRehearsalsLeaveNoTrace() throws Exception {
        assertThat(warmUp.done()).as("the warm-up runs when the test starts").isFalse();
        Response during = given().when().get("/q/health/ready");
        if (!warmUp.done()) { // still running after the answer, so it ran during it
            assertThat(during.statusCode()).isEqualTo(503);
            assertThat(during.asString()).contains("running");
        }
        for (int i = 0; i < 1200 && !warmUp.done(); i++) {
            Thread.sleep(50);
        }
        assertThat(warmUp.done()).as("the warm-up ended").isTrue();
        assertThat(warmUp.outcome()).startsWith("done:");
        assertThat(warmUp.rehearsed()).as("decisions rehearsed through the whole exchange").isGreaterThan(10);
        given().when().get("/q/health/ready").then().statusCode(200);

        // nothing counted, observed or held for them
        assertThat(requestCount()).isZero();
        assertThat(recorder.requestIds()).noneMatch(id -> id.startsWith("llmd-warm-up"));

        // a client naming the header is served as any request: counted, observed, and the header is not forwarded
        try (EnvoyExtProcClient client = EnvoyExtProcClient.plaintext();
                EnvoyExtProcClient.Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED, requestHeaders("/v1/completions",
                    "x-request-id", "req-guess", "x-llmd-warm-up", "0123456789abcdef0123456789abcdef"), false, null);
            ex.requestBody("{\"model\":\"m\",\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8), true);
            ProcessingResponse decision = ex.next();
            assertThat(decision.hasRequestHeaders()).isTrue();
            var mutation = decision.getRequestHeaders().getResponse().getHeaderMutation();
            assertThat(setHeaders(mutation.getSetHeadersList())).containsKey("x-gateway-destination-endpoint")
                    .doesNotContainKey("x-llmd-warm-up");
            assertThat(mutation.getRemoveHeadersList()).contains("x-llmd-warm-up");
            ex.streamedBody(true);
            ex.responseHeaders(Map.of(":status", "200", "content-type", "application/json"), false, null);
            ex.next();
            ex.responseBody("{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}", true);
            ex.streamedBody(false);
            ex.finish();
            ex.awaitClosed();
        }
        RecordingObserver.Seen seen = recorder.of("req-guess");
        for (int i = 0; i < 400 && seen.completions == 0; i++) {
            Thread.sleep(25);
        }
        assertThat(seen.completions).isEqualTo(1);
        assertThat(requestCount()).isEqualTo(1);
    }

    private double requestCount() {
        return meters.find("llm_d_epp_request").counters().stream().mapToDouble(Counter::count).sum();
    }
}
