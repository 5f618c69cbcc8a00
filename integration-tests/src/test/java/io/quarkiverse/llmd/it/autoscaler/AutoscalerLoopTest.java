package io.quarkiverse.llmd.it.autoscaler;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.it.proxy.MetricsScraperTest;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * The autoscaler running in the gateway on its own schedule: a quiet pool of two pods is scaled down to the
 * variant's minimum; a burst that queues on both pods makes it ask for more (the model is not calibrated yet, so
 * saturation decides and the decision says so); the gauges under WVA's names, the scaling counter and the decision
 * log follow. (CloudEvents of the decisions are tested with their module, {@code cloud-events}.)
 */
@QuarkusTest
@TestProfile(AutoscalerFleetProfile.class)
public class AutoscalerLoopTest {

    private static final String LABELS = "accelerator_type=\"H100\",namespace=\"llm\",variant_name=\"sim-h100\"";

    @Inject
    AutoscalerLoop loop;

    @Test
    void gaugesAndDecisionLogFollowTraffic() throws Exception {
        // quiet: two endpoints, no demand -> down to the minimum, decided by saturation for want of calibration
        MetricsScraperTest.await("a quiet decision", () -> decisions().stream().anyMatch(
                d -> "down".equals(d.get("direction")) && ((Number) d.get("desiredReplicas")).intValue() == 1));
        Map<String, Object> quiet = decisions().stream().filter(d -> "down".equals(d.get("direction"))).findFirst()
                .orElseThrow();
        assertThat(quiet).containsEntry("variant", "sim-h100").containsEntry("namespace", "llm")
                .containsEntry("model", "sim-model").containsEntry("accelerator", "H100")
                .containsEntry("currentReplicas", 2).containsEntry("reason", "low_confidence");
        assertThat((String) quiet.get("summary")).startsWith("saturation decided: too little data");
        assertThat(gauge("wva_current_replicas")).isEqualTo(2.0);
        assertThat(gauge("wva_desired_replicas")).isEqualTo(1.0);
        assertThat(gauge("wva_desired_ratio")).isEqualTo(0.5);

        // a burst: 24 long requests on 2 pods x 2 batch slots queue ~10 per pod -> scale up
        // HTTP/1.1: the JDK client's h2c upgrade makes the proxy record the exchange as failed, without usage
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String body = "{\"model\":\"sim-model\",\"prompt\":\"Request " + i + " asks for a long story about "
                    + "autoscaling\",\"max_tokens\":400,\"ignore_eos\":true}";
            burst.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                    + "/v1/completions")).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        MetricsScraperTest.await("a scale-up under the burst", () -> gauge("wva_desired_replicas") > 2.0);
        Map<String, Object> up = decisions().stream().filter(d -> "up".equals(d.get("direction"))).findFirst()
                .orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> inputs = (Map<String, Object>) up.get("inputs");
        assertThat(((Number) inputs.get("demandTokens")).doubleValue())
                .isGreaterThan(((Number) inputs.get("supplyTokens")).doubleValue() * 0.85);
        assertThat(counter("up")).isPositive();
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            assertThat(f.join().statusCode()).isEqualTo(200);
        }

        // after the burst: the completed requests were counted as arrivals and fed calibration; quiet again -> down
        MetricsScraperTest.await("arrivals seen", () -> decisions().stream().anyMatch(d -> ((Number) ((Map<?, ?>) d
                .get("inputs")).get("arrivalRate")).doubleValue() > 0 && ((Number) ((Map<?, ?>) d.get("inputs"))
                        .get("promptTokens")).doubleValue() > 0));
        MetricsScraperTest.await("the burst's end scales down again", () -> gauge("wva_desired_replicas") == 1.0);
        assertThat(counter("down")).isGreaterThanOrEqualTo(2);
        assertThat(loop.cycles()).isGreaterThanOrEqualTo(3);

        // one variant, at most `limit` entries, a clear error on a bad limit
        assertThat(given().get("/q/llmd/autoscaler/decisions?variant=sim-h100&limit=2").then().statusCode(200)
                .extract().jsonPath().getList("decisions")).hasSize(2);
        assertThat(given().get("/q/llmd/autoscaler/decisions?variant=other").then().statusCode(200).extract()
                .jsonPath().getList("decisions")).isEmpty();
        given().get("/q/llmd/autoscaler/decisions?limit=zero").then().statusCode(400);
        assertThat(given().get("/q/llmd/autoscaler/variants").then().statusCode(200).extract().jsonPath()
                .getString("variants[0].pool")).isEqualTo("default-pool");
    }

    private static List<Map<String, Object>> decisions() {
        JsonPath json = given().get("/q/llmd/autoscaler/decisions").then().statusCode(200).extract().jsonPath();
        return json.getList("decisions");
    }

    private static double gauge(String name) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{" + Pattern.quote(LABELS) + "} (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static double counter(String direction) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^wva_replica_scaling_total\\{direction=\"" + direction
                + "\",namespace=\"llm\",reason=\"[a-z_]+\",variant_name=\"sim-h100\"} (\\S+)$").matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }
}
