package io.quarkiverse.llmd.it.flowcontrol;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.runtime.metrics.MetricsServer;
import io.quarkus.test.junit.QuarkusTest;

/** The EPP's meters are exposed under llm-d's names on /q/metrics and on the llm-d metrics port at /metrics. */
@QuarkusTest
class EppMetricsTest {

    static final String[] EXPOSED = {
            "inference_objective_request_total{",
            "inference_objective_request_error_total{",
            "inference_objective_request_duration_seconds_bucket{",
            "inference_objective_request_ttft_seconds_bucket{",
            "inference_objective_request_sizes_bucket{",
            "inference_objective_input_tokens_bucket{",
            "inference_objective_output_tokens_bucket{",
            "inference_objective_prompt_cached_tokens_bucket{",
            "inference_objective_running_requests{",
            "inference_pool_average_kv_cache_utilization{",
            "inference_pool_average_queue_size{",
            "inference_pool_average_running_requests{",
            "inference_pool_ready_pods{",
            "inference_pool_per_pod_queue_size{",
            "inference_extension_scheduler_e2e_duration_seconds_bucket",
            "inference_extension_scheduler_attempts_total{",
            "inference_extension_flow_control_pool_saturation{",
    };

    @Inject
    RequestPipeline director;

    @Inject
    MetricsServer metricsServer;

    @Test
    void llmdMetricNamesAreExposed() throws Exception {
        // a model name of its own: other tests share this application and its meters
        byte[] body = "{\"model\":\"metrics-model\",\"prompt\":\"metrics\"}".getBytes(StandardCharsets.UTF_8);
        Decision d = director.decide("/v1/completions", Map.of(), body, null).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        RoutedRequest routed = (RoutedRequest) d;
        routed.responseStarted(null);
        routed.firstChunk();
        routed.complete(ResponseOutcome.succeeded(12, 34, 8));
        director.decide("/v1/completions", Map.of(), "not json".getBytes(), null).toCompletableFuture().get();

        String q = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(q).contains(EXPOSED);
        // Quarkus answers in OpenMetrics or text 0.0.4 (which adds a trailing comma): drop that comma to compare.
        q = q.replace(",}", "}");
        assertThat(q).contains("inference_objective_request_total{model_name=\"metrics-model\","
                + "target_model_name=\"metrics-model\"}")
                .contains("error_code=\"BadRequest\"")
                .contains("inference_objective_input_tokens_sum{model_name=\"metrics-model\","
                        + "target_model_name=\"metrics-model\"} 12.0")
                .contains("inference_pool_ready_pods{name=\"default-pool\"} 2.0")
                .contains("model_server_pod=\"vllm-a-rank-0\"")
                .contains("inference_extension_scheduler_attempts_total{namespace=\"default\"");

        assertThat(metricsServer.port()).isPositive();
        String epp = given().baseUri("http://localhost").port(metricsServer.port()).get("/metrics").then()
                .statusCode(200).extract().asString();
        assertThat(epp).contains(EXPOSED);
    }
}
