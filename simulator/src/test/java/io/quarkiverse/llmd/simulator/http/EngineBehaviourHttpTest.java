package io.quarkiverse.llmd.simulator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/**
 * The engine model seen through HTTP in real time. Assertions compare quantities with wide margins (at least 2x
 * between modelled times) rather than absolute wall-clock values.
 */
class EngineBehaviourHttpTest {

    /** Prefill-heavy: 50 us per prompt token, so 4,000 tokens take 0.2 s. */
    static final HardwareProfile SLOW_PREFILL = HardwareProfile.H100_LLAMA_8B.withStep(0.002, 5e-5, 1e-4, 0);

    static SimulatedFleet fleet;
    static URI pod0;
    static URI pod1;

    @BeforeAll
    static void start() {
        fleet = SimulatedFleet.start(SimulatorConfig.builder("m").port(0).replicas(2).hardware(SLOW_PREFILL)
                .kvTransferSecondsPerToken(2e-6).build());
        pod0 = fleet.baseUris().get(0);
        pod1 = fleet.baseUris().get(1);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static String completion(String prompt, int maxTokens, String extra) {
        return "{\"model\":\"m\",\"prompt\":\"" + prompt + "\",\"max_tokens\":" + maxTokens + ",\"ignore_eos\":true"
                + extra + "}";
    }

    @Test
    void repeatedLongPromptIsServedFromThePrefixCache() {
        String prompt = SimHttp.words(1, 4000);
        SimHttp.Resp first = SimHttp.post(pod0, "/v1/completions", completion(prompt, 1, ""));
        SimHttp.Resp second = SimHttp.post(pod0, "/v1/completions", completion(prompt, 1, ""));
        assertThat(first.json().get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
        int cached = second.json().get("usage").get("prompt_tokens_details").get("cached_tokens").asInt();
        assertThat(cached).isGreaterThan(3900);
        assertThat(second.seconds()).isLessThan(first.seconds() / 3);
    }

    @Test
    void concurrentLongPrefillsSlowEachOtherDown() {
        SimHttp.Resp alone = SimHttp.post(pod1, "/v1/completions", completion(SimHttp.words(2, 6000), 1, ""));
        List<CompletableFuture<SimHttp.Resp>> pair = IntStream.of(3, 4)
                .mapToObj(s -> CompletableFuture.supplyAsync(
                        () -> SimHttp.post(pod1, "/v1/completions", completion(SimHttp.words(s, 6000), 1, ""))))
                .toList();
        double slowest = pair.stream().mapToDouble(f -> f.join().seconds()).max().orElseThrow();
        assertThat(alone.status()).isEqualTo(200);
        assertThat(slowest).isGreaterThan(1.3 * alone.seconds());
    }

    @Test
    void prefillDecodeRoundTrip() {
        String prompt = SimHttp.words(5, 4000);
        SimHttp.Resp prefill = SimHttp.post(pod0, "/v1/completions",
                completion(prompt, 1, ",\"kv_transfer_params\":{\"do_remote_decode\":true}"));
        assertThat(prefill.status()).as(prefill.body()).isEqualTo(200);
        JsonNode kv = prefill.json().get("kv_transfer_params");
        assertThat(kv.get("do_remote_decode").asBoolean()).isFalse();
        assertThat(kv.get("do_remote_prefill").asBoolean()).isTrue();
        assertThat(kv.get("remote_engine_id").asText()).isEqualTo(fleet.pod(0).engineId());
        assertThat(kv.get("remote_host").asText()).isEqualTo("127.0.0.1");
        assertThat(kv.get("remote_port").asInt()).isEqualTo(fleet.pod(0).port());
        assertThat(kv.get("remote_block_ids").size()).isEqualTo((4000 + 15) / 16);
        assertThat(kv.get("remote_block_ids").get(0).isInt()).isTrue();
        assertThat(prefill.json().get("usage").get("completion_tokens").asInt()).isEqualTo(1);

        SimHttp.Resp decode = SimHttp.post(pod1, "/v1/completions",
                completion(prompt, 3, ",\"kv_transfer_params\":" + kv));
        assertThat(decode.status()).isEqualTo(200);
        assertThat(decode.json().get("usage").get("completion_tokens").asInt()).isEqualTo(3);
        // the decode side waits for the transfer (8 ms) instead of computing the 200 ms prefill
        assertThat(decode.seconds()).isLessThan(prefill.seconds() / 2);
    }

    @Test
    void metricsExposeVllmNamesAndMove() {
        String before = SimHttp.get(pod0, "/metrics").body();
        SimHttp.post(pod0, "/v1/completions", completion("count me", 4, ""));
        String after = SimHttp.get(pod0, "/metrics").body();
        for (String name : List.of("vllm:num_requests_running", "vllm:num_requests_waiting",
                "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "vllm:prefix_cache_queries_total",
                "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total", "vllm:prompt_tokens_total",
                "vllm:generation_tokens_total", "vllm:request_success_total",
                "vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds",
                "vllm:e2e_request_latency_seconds")) {
            assertThat(after).contains("# HELP " + name).contains("# TYPE " + name);
        }
        assertThat(after).contains("vllm:time_to_first_token_seconds_bucket{engine=\"0\",model_name=\"m\",le=\"0.001\"}")
                .contains("vllm:e2e_request_latency_seconds_bucket{engine=\"0\",model_name=\"m\",le=\"7680.0\"}")
                .contains("vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"\",waiting_lora_adapters=\"\"}")
                .contains("vllm:cache_config_info{block_size=\"16\"")
                .contains("vllm:request_success_total{engine=\"0\",model_name=\"m\",finished_reason=\"length\"}");
        assertThat(value(after, "vllm:generation_tokens_total")).isEqualTo(value(before, "vllm:generation_tokens_total") + 4);
        assertThat(value(after, "vllm:prompt_tokens_total")).isGreaterThan(value(before, "vllm:prompt_tokens_total"));
        assertThat(value(after, "vllm:e2e_request_latency_seconds_count"))
                .isEqualTo(value(before, "vllm:e2e_request_latency_seconds_count") + 1);
    }

    @Test
    void runningGaugeSeesALongRequest() throws Exception {
        CompletableFuture<SimHttp.Resp> longOne = CompletableFuture
                .supplyAsync(() -> SimHttp.post(pod1, "/v1/completions", completion("long decode", 300, "")));
        double maxRunning = 0;
        double maxUsage = 0;
        for (int i = 0; i < 100 && !longOne.isDone(); i++) {
            String m = SimHttp.get(pod1, "/metrics").body();
            maxRunning = Math.max(maxRunning, value(m, "vllm:num_requests_running"));
            maxUsage = Math.max(maxUsage, value(m, "vllm:kv_cache_usage_perc"));
            Thread.sleep(10);
        }
        assertThat(longOne.get().status()).isEqualTo(200);
        assertThat(maxRunning).isGreaterThanOrEqualTo(1);
        assertThat(maxUsage).isGreaterThan(0);
    }

    static double value(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name);
    }
}
