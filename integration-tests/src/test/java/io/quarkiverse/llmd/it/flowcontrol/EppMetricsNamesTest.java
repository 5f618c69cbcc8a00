package io.quarkiverse.llmd.it.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;

/** Every meter, rendered by the Prometheus registry, carries exactly llm-d's legacy name and labels. */
class EppMetricsNamesTest {

    /** A parsed request for {@code model}, rewritten to {@code target}. */
    static InferenceRequest request(String model, String target, Map<String, String> headers) {
        byte[] body = ("{\"model\":\"" + model + "\",\"prompt\":\"hi\"}").getBytes(StandardCharsets.UTF_8);
        return new OpenAiRequestParser().parse("/v1/completions", headers, body).withTargetModel(target);
    }

    @Test
    void exposedNamesEqualLlmds() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EndpointRegistry pool = new EndpointRegistry();
        pool.replaceAll(List.of(Endpoint.of("ns/pod-a-rank-0", "10.0.0.1:8000", Map.of())));
        pool.updateMetrics("ns/pod-a-rank-0", EndpointMetrics.load(3, 2, 0.5, Instant.EPOCH.plusSeconds(1)));
        EppMetrics m = new EppMetrics(registry, "my-pool", pool);

        InferenceRequest request = request("m", "t", Map.of());
        m.schedulingAttempt(1_000, true, "t", pool.endpoints().get(0));
        m.routed(request, 0, 100, "prefill-decode");
        m.firstChunk(request, 0, 1_000_000);
        m.completed(request, 0, 2_000_000, 10, 20, 5);
        m.requestError(request, 0, "ResourceExhausted");
        m.queueOutcome(request, "tenant", 0, QueueOutcome.EVICTED_TTL, 1_000, 100);
        m.flowControlBand(0, new int[] { 4 }, a -> a[0], a -> a[0] * 10);
        m.saturation(0.75);
        m.refreshPerPod(pool);

        String text = registry.scrape();
        assertThat(text).contains(
                "inference_objective_request_total{model_name=\"m\",target_model_name=\"t\",} 1.0",
                "inference_objective_request_error_total{error_code=\"ResourceExhausted\",model_name=\"m\",target_model_name=\"t\",} 1.0",
                "inference_objective_request_duration_seconds_count{model_name=\"m\",target_model_name=\"t\",} 1.0",
                "inference_objective_request_ttft_seconds_count{model_name=\"m\",target_model_name=\"t\",} 1.0",
                "inference_objective_input_tokens_sum{model_name=\"m\",target_model_name=\"t\",} 10.0",
                "inference_objective_output_tokens_sum{model_name=\"m\",target_model_name=\"t\",} 20.0",
                "inference_objective_prompt_cached_tokens_sum{model_name=\"m\",target_model_name=\"t\",} 5.0",
                "inference_objective_request_sizes_sum{model_name=\"m\",target_model_name=\"t\",} 100.0",
                "inference_objective_running_requests{model_name=\"m\",} 0.0",
                "inference_pool_average_kv_cache_utilization{name=\"my-pool\",} 0.5",
                "inference_pool_average_queue_size{name=\"my-pool\",} 3.0",
                "inference_pool_average_running_requests{name=\"my-pool\",} 2.0",
                "inference_pool_ready_pods{name=\"my-pool\",} 1.0",
                "inference_pool_per_pod_queue_size{model_server_pod=\"pod-a-rank-0\",name=\"my-pool\",} 3.0",
                "inference_extension_scheduler_e2e_duration_seconds_count 1.0",
                "inference_extension_scheduler_attempts_total{namespace=\"ns\",pod_name=\"pod-a-rank-0\",port=\"8000\",status=\"success\",target_model_name=\"t\",} 1.0",
                "inference_extension_flow_control_queue_size{inference_pool=\"my-pool\",priority=\"0\",} 4.0",
                "inference_extension_flow_control_queue_bytes{inference_pool=\"my-pool\",priority=\"0\",} 40.0",
                "inference_extension_flow_control_pool_saturation{inference_pool=\"my-pool\",} 0.75",
                "inference_extension_flow_control_request_queue_duration_seconds_count{fairness_id=\"tenant\",inference_pool=\"my-pool\",outcome=\"EvictedTTL\",priority=\"0\",} 1.0",
                "llm_d_inference_scheduler_disagg_decision_total{decision_type=\"prefill-decode\",} 1.0");
    }
}
