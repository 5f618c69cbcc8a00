package io.quarkiverse.llmd.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;

/**
 * llm-d v0.10's canonical {@code llm_d_epp_*} names and labels (llm-d-router docs/metrics.md), emitted beside the
 * legacy names, and without them when legacy names are off.
 */
class EppMetricsCanonicalNamesTest {

    static InferenceRequest request(String model, String target, Map<String, String> headers) {
        byte[] body = ("{\"model\":\"" + model + "\",\"prompt\":\"hi\"}").getBytes(StandardCharsets.UTF_8);
        return new OpenAiRequestParser().parse("/v1/completions", headers, body).withTargetModel(target);
    }

    static EndpointRegistry pool() {
        EndpointRegistry pool = new EndpointRegistry();
        pool.replaceAll(List.of(Endpoint.of("ns/pod-a-rank-0", "10.0.0.1:8000", Map.of()),
                Endpoint.of("ns/pod-b-rank-0", "10.0.0.2:8000", Map.of())));
        pool.updateMetrics("ns/pod-a-rank-0", EndpointMetrics.load(3, 2, 0.5, Instant.EPOCH.plusSeconds(1)));
        pool.updateMetrics("ns/pod-b-rank-0", EndpointMetrics.load(1, 4, 0.1, Instant.EPOCH.plusSeconds(1)));
        return pool;
    }

    @Test
    void everyMeterHasItsLlmDEppName() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EndpointRegistry pool = pool();
        EppMetrics m = new EppMetrics(registry, "my-pool", pool);
        InferenceRequest r = request("m", "t", Map.of("x-llm-d-inference-fairness-id", "tenant-a"));

        m.schedulingAttempt(1_000, true, "t", pool.endpoints().get(0));
        m.routed(r, 2, 100, "prefill-decode");
        m.firstChunk(r, 2, 1_000_000);
        m.completed(r, 2, 2_000_000, 10, 20, 5);
        m.requestError(r, 2, "ResourceExhausted");
        m.enqueued(r, 2, 100);
        m.enqueued(r, 2, 50);
        m.queueOutcome(r, "tenant-a", 2, QueueOutcome.DISPATCHED, 1_000, 100);
        m.saturation(0.75);
        m.inFlightSource("load", new FixedLoad());
        m.refreshPerPod(pool);

        String labels = "fairness_id=\"tenant-a\",model_name=\"m\",priority=\"2\",target_model_name=\"t\",";
        String text = registry.scrape();
        assertThat(text).contains(
                "llm_d_epp_request_total{" + labels + "} 1.0",
                "llm_d_epp_request_error_total{error_code=\"ResourceExhausted\"," + labels + "} 1.0",
                "llm_d_epp_request_duration_seconds_count{" + labels + "} 1.0",
                "llm_d_epp_request_ttft_seconds_count{" + labels + "} 1.0",
                "llm_d_epp_request_input_tokens_sum{" + labels + "} 10.0",
                "llm_d_epp_request_output_tokens_sum{" + labels + "} 20.0",
                "llm_d_epp_request_cached_tokens_sum{" + labels + "} 5.0",
                "llm_d_epp_request_size_bytes_sum{" + labels + "} 100.0",
                "llm_d_epp_request_running{" + labels + "} 0.0",
                "llm_d_epp_average_kv_cache_utilization{name=\"my-pool\",} 0.3",
                "llm_d_epp_average_queue_size{name=\"my-pool\",} 2.0",
                "llm_d_epp_average_running_requests{name=\"my-pool\",} 3.0",
                "llm_d_epp_std_dev_queue_size{name=\"my-pool\",} 1.0",
                "llm_d_epp_std_dev_running_requests{name=\"my-pool\",} 1.0",
                "llm_d_epp_ready_endpoints{name=\"my-pool\",} 2.0",
                "llm_d_epp_per_endpoint_queue_size{model_server_endpoint=\"pod-a-rank-0\",name=\"my-pool\",} 3.0",
                "llm_d_epp_scheduler_e2e_duration_seconds_count 1.0",
                "llm_d_epp_scheduler_attempts_total{endpoint_name=\"pod-a-rank-0\",namespace=\"ns\",port=\"8000\","
                        + "status=\"success\",target_model_name=\"t\",} 1.0",
                // one of the two queued requests was dispatched
                "llm_d_epp_flow_control_queue_size{fairness_id=\"tenant-a\",inference_pool=\"my-pool\","
                        + "model_name=\"m\",priority=\"2\",target_model_name=\"t\",} 1.0",
                "llm_d_epp_flow_control_queue_bytes{fairness_id=\"tenant-a\",inference_pool=\"my-pool\","
                        + "model_name=\"m\",priority=\"2\",target_model_name=\"t\",} 50.0",
                "llm_d_epp_flow_control_pool_saturation{inference_pool=\"my-pool\",stage=\"effective\",} 0.75",
                "llm_d_epp_flow_control_request_queue_duration_seconds_count{fairness_id=\"tenant-a\","
                        + "inference_pool=\"my-pool\",model_name=\"m\",outcome=\"Dispatched\",priority=\"2\","
                        + "target_model_name=\"t\",} 1.0",
                "llm_d_epp_flow_control_requests_total{inference_pool=\"my-pool\",outcome=\"Dispatched\","
                        + "priority=\"2\",} 1.0",
                "llm_d_epp_disagg_decision_total{decision_type=\"prefill-decode\",model_name=\"t\",} 1.0",
                "llm_d_epp_inflight_requests{endpoint_name=\"pod-a-rank-0\",namespace=\"ns\",producer_name=\"load\",} 7.0",
                "llm_d_epp_inflight_tokens{endpoint_name=\"pod-b-rank-0\",namespace=\"ns\",producer_name=\"load\",} 900.0");
        // the legacy twins are still there, with their own label sets
        assertThat(text).contains(
                "inference_objective_request_total{model_name=\"m\",target_model_name=\"t\",} 1.0",
                "inference_pool_ready_pods{name=\"my-pool\",} 2.0",
                "inference_pool_per_pod_queue_size{model_server_pod=\"pod-a-rank-0\",name=\"my-pool\",} 3.0",
                "inference_extension_flow_control_pool_saturation{inference_pool=\"my-pool\",} 0.75",
                "llm_d_inference_scheduler_disagg_decision_total{decision_type=\"prefill-decode\",} 1.0");
    }

    @Test
    void theDeprecatedAliasHeaderAndTheDefaultFlowNameTheFairnessId() {
        assertThat(EppMetrics.fairnessIdOf(request("m", "m", Map.of("x-gateway-inference-fairness-id", "old"))))
                .isEqualTo("old");
        assertThat(EppMetrics.fairnessIdOf(request("m", "m", Map.of("x-llm-d-inference-fairness-id", "new",
                "x-gateway-inference-fairness-id", "old")))).isEqualTo("new");
        assertThat(EppMetrics.fairnessIdOf(request("m", "m", Map.of()))).isEqualTo("default-flow");
    }

    @Test
    void removedEndpointsLeaveThePerEndpointGauges() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EndpointRegistry pool = pool();
        EppMetrics m = new EppMetrics(registry, "p", pool);
        m.inFlightSource("load", new FixedLoad());
        m.refreshPerPod(pool);
        assertThat(registry.scrape()).contains("endpoint_name=\"pod-b-rank-0\"");
        pool.replaceAll(List.of(pool.endpoints().get(0)));
        m.refreshPerPod(pool);
        String text = registry.scrape();
        assertThat(text).doesNotContain("pod-b-rank-0").contains("endpoint_name=\"pod-a-rank-0\"");
    }

    @Test
    void legacyNamesCanBeSwitchedOff() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EndpointRegistry pool = pool();
        EppMetrics m = new EppMetrics(registry, "p", pool, new EppMetrics.Options(1000, 1000, 2000, false, null));
        InferenceRequest r = request("m", "m", Map.of());
        m.schedulingAttempt(1_000, true, "m", pool.endpoints().get(0));
        m.routed(r, 0, 10, "decode-only");
        m.completed(r, 0, 1_000, 1, 1, 0);
        m.requestError(r, 0, "BadRequest");
        m.queueOutcome(r, null, 0, QueueOutcome.REJECTED_CAPACITY, 0, 10);
        m.flowControlBand(0, new int[] { 1 }, a -> a[0], a -> a[0]);
        m.refreshPerPod(pool);
        String text = registry.scrape();
        assertThat(text).contains("llm_d_epp_request_total{fairness_id=\"default-flow\"")
                .doesNotContain("inference_objective_", "inference_pool_", "inference_extension_",
                        "llm_d_inference_scheduler_");
    }

    @Test
    void knownModelsPassTheCapAndEverythingElseFoldsIntoOther() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EppMetrics m = new EppMetrics(registry, "p", pool(),
                new EppMetrics.Options(2, 1, 100, true, null).withKnownModels(Set.of("served")::contains));
        for (String model : List.of("a", "b", "c", "d", "served")) {
            InferenceRequest r = request(model, model, Map.of("x-llm-d-inference-fairness-id", "t-" + model));
            m.routed(r, 0, 10, null);
            m.completed(r, 0, 1_000, 1, 1, 0);
        }
        String text = registry.scrape();
        assertThat(text).contains("llm_d_epp_request_total{fairness_id=\"t-a\",model_name=\"a\",priority=\"0\","
                + "target_model_name=\"a\",} 1.0")
                .contains("llm_d_epp_request_total{fairness_id=\"other\",model_name=\"b\",priority=\"0\","
                        + "target_model_name=\"b\",} 1.0")
                .contains("llm_d_epp_request_total{fairness_id=\"other\",model_name=\"other\",priority=\"0\","
                        + "target_model_name=\"other\",} 2.0")
                .contains("llm_d_epp_request_total{fairness_id=\"other\",model_name=\"served\",priority=\"0\","
                        + "target_model_name=\"served\",} 1.0")
                .contains("inference_objective_request_total{model_name=\"other\",target_model_name=\"other\",} 2.0")
                .doesNotContain("model_name=\"c\"", "model_name=\"d\"");
    }

    @Test
    void theCombinationsOfModelAndFairnessIdAreBoundedToo() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EppMetrics m = new EppMetrics(registry, "p", pool(), new EppMetrics.Options(10, 10, 20, true, null));
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                InferenceRequest r = request("m" + i, "m" + i, Map.of("x-llm-d-inference-fairness-id", "f" + j));
                m.routed(r, 0, 10, null);
                m.completed(r, 0, 1_000, 1, 1, 0);
            }
        }
        long series = registry.scrape().lines().filter(l -> l.startsWith("llm_d_epp_request_total{")).count();
        // 20 admitted combinations, the (model, other) fallbacks admitted while room remained, and (other, other)
        assertThat(series).isLessThanOrEqualTo(21);
        double total = registry.find("llm_d_epp_request").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(total).isEqualTo(100.0); // nothing is lost, only folded
    }

    @Test
    void controlCharactersAndInvalidUtf8NeverBecomeLabelValues() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EppMetrics m = new EppMetrics(registry, "p", pool());
        byte[] body = "{\"model\":\"bad\\u0000name\\n\",\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        InferenceRequest control = new OpenAiRequestParser().parse("/v1/completions",
                Map.of("x-llm-d-inference-fairness-id", "zq\u0007zq"), body);
        byte[] invalid = { '{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', 'a', (byte) 0xC3, (byte) 0x28, '"', ',',
                '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', 'x', '"', '}' };
        InferenceRequest broken;
        try {
            broken = new OpenAiRequestParser().parse("/v1/completions", Map.of(), invalid);
        } catch (RuntimeException refused) {
            broken = null; // the parser refusing it is fine too: then nothing is recorded for it
        }
        for (InferenceRequest r : new InferenceRequest[] { control, broken }) {
            if (r != null) {
                m.routed(r, 0, 10, null);
                m.completed(r, 0, 1_000, 1, 1, 0);
            }
        }
        String text = registry.scrape();
        assertThat(text).contains("llm_d_epp_request_total{fairness_id=\"other\",model_name=\"other\"")
                .doesNotContain("bad", "zq", "\uFFFD", "\\u0000", "a(");
    }

    /** 7 requests / 700 tokens on pod a, 9 / 900 on pod b. */
    private static final class FixedLoad implements InFlightLoad {
        @Override
        public long requests(Endpoint endpoint) {
            return endpoint.name().contains("pod-a") ? 7 : 9;
        }

        @Override
        public long tokens(Endpoint endpoint) {
            return requests(endpoint) * 100;
        }
    }
}
