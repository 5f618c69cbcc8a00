package io.quarkiverse.llmd.engine.datalayer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;

class MetricsExtractorTest {

    private static final Instant T = Instant.parse("2026-11-22T00:00:00Z");
    private final MetricsExtractor extractor = MetricsExtractor.withDefaults();

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void vllmPageSumsQueuesTakesMaxUsageNewestLoraAndCacheInfo() {
        MetricsExtraction x = extractor.extract(Fixtures.bytes("vllm-metrics.txt"), Map.of(), EndpointMetrics.NONE, T);
        EndpointMetrics m = x.metrics();
        assertThat(x.engine()).isEqualTo("vllm");
        assertThat(x.problems()).isEmpty();
        assertThat(x.updated()).isTrue();
        assertThat(m.waitingQueueSize()).isEqualTo(5); // 4 + 1 over the two data-parallel engines
        assertThat(m.runningRequestsSize()).isEqualTo(5); // 3 + 2
        assertThat(m.kvCacheUsage()).isEqualTo(0.4375); // max(0.4375, 0.125)
        // newest series has value 1.76378315e9
        assertThat(m.activeModels()).containsExactly("sql-lora");
        assertThat(m.waitingModels()).containsExactlyInAnyOrder("summarize-lora", "chat-lora");
        assertThat(m.maxActiveModels()).isEqualTo(4);
        assertThat(m.cacheBlockSize()).isEqualTo(16);
        assertThat(m.cacheNumBlocks()).isEqualTo(27310L + 27300L);
        assertThat(m.updateTime()).isEqualTo(T);
    }

    @Test
    void oldVllmUsageNameIsTheFallback() {
        byte[] page = text("vllm:num_requests_waiting{model_name=\"m\"} 2\nvllm:num_requests_running{model_name=\"m\"} 1\n"
                + "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.25\n"
                + "vllm:cache_config_info{block_size=\"32\",num_gpu_blocks=\"1000\"} 1\n");
        MetricsExtraction x = extractor.extract(page, Map.of("llm-d.ai/engine-type", "vllm"), EndpointMetrics.NONE, T);
        assertThat(x.metrics()).isEqualTo(new EndpointMetrics(2, 1, 0.25, Set.of(), Set.of(), 0, 32, 1000, T));
        assertThat(x.problems()).isEmpty();
        byte[] both = text("vllm:kv_cache_usage_perc 0.5\nvllm:gpu_cache_usage_perc 0.9\n");
        assertThat(extractor.extract(both, Map.of(), EndpointMetrics.NONE, T).metrics().kvCacheUsage()).isEqualTo(0.5);
    }

    @Test
    void missingFieldsKeepPreviousValuesAndAreReported() {
        EndpointMetrics previous = new EndpointMetrics(9, 8, 0.7, Set.of("a"), Set.of(), 2, 16, 500, Instant.EPOCH.plusSeconds(5));
        MetricsExtraction x = extractor.extract(text("vllm:num_requests_waiting 3\n"), Map.of(), previous, T);
        assertThat(x.metrics()).isEqualTo(new EndpointMetrics(3, 8, 0.7, Set.of("a"), Set.of(), 2, 16, 500, T));
        assertThat(x.problems()).hasSize(3).anyMatch(p -> p.contains("running requests"))
                .anyMatch(p -> p.contains("KV-cache usage")).anyMatch(p -> p.contains("cache info"));

        MetricsExtraction empty = extractor.extract(text("# nothing here\n"), Map.of(), previous, T);
        assertThat(empty.updated()).isFalse();
        assertThat(empty.metrics()).isSameAs(previous); // update time not advanced: the pod goes stale
    }

    @Test
    void valuesAreClampedAndNaNIgnored() {
        byte[] page = text("vllm:num_requests_waiting{engine=\"0\"} NaN\nvllm:num_requests_waiting{engine=\"1\"} 2.9\n"
                + "vllm:num_requests_running -3\nvllm:kv_cache_usage_perc 1.5\n");
        EndpointMetrics m = extractor.extract(page, Map.of(), EndpointMetrics.NONE, T).metrics();
        assertThat(m.waitingQueueSize()).isEqualTo(2);
        assertThat(m.runningRequestsSize()).isZero();
        assertThat(m.kvCacheUsage()).isEqualTo(1.0);
        EndpointMetrics inf = extractor.extract(text("vllm:num_requests_waiting +Inf\n"), Map.of(), EndpointMetrics.NONE, T)
                .metrics();
        assertThat(inf.waitingQueueSize()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void loraNewestSeriesWinsWhateverItsPosition() {
        byte[] page = text("vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"new\",waiting_lora_adapters=\"\"} 300\n"
                + "vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"old\",waiting_lora_adapters=\"w\"} 100\n"
                + "vllm:lora_requests_info{max_lora=\"x\",running_lora_adapters=\"nan\",waiting_lora_adapters=\"\"} NaN\n");
        EndpointMetrics m = extractor.extract(page, Map.of(), EndpointMetrics.NONE, T).metrics();
        assertThat(m.activeModels()).containsExactly("new");
        assertThat(m.waitingModels()).isEmpty();
        assertThat(m.maxActiveModels()).isEqualTo(2);
    }

    @Test
    void sglangUsesQueueRunningTokenUsageAndPageLabels() {
        MetricsExtraction x = extractor.extract(Fixtures.bytes("sglang-metrics.txt"),
                Map.of("llm-d.ai/engine-type", "sglang"), EndpointMetrics.NONE, T);
        assertThat(x.engine()).isEqualTo("sglang");
        assertThat(x.problems()).isEmpty();
        assertThat(x.metrics()).isEqualTo(new EndpointMetrics(2, 6, 0.61, Set.of(), Set.of(), 0, 1, 120_000, T));
        // newer SGLang: page size and count as gauges
        byte[] gauges = text("sglang:num_queue_reqs 0\nsglang:num_running_reqs 1\nsglang:token_usage 0.1\n"
                + "sglang:page_size 16\nsglang:num_pages 5000\n");
        EndpointMetrics g = extractor.extract(gauges, Map.of("llm-d.ai/engine-type", "sglang"), EndpointMetrics.NONE, T)
                .metrics();
        assertThat(g.cacheBlockSize()).isEqualTo(16);
        assertThat(g.cacheNumBlocks()).isEqualTo(5000);
    }

    @Test
    void trtllmServeUsesItsGauges() {
        MetricsExtraction x = extractor.extract(Fixtures.bytes("trtllm-serve-metrics.txt"),
                Map.of("inference.networking.k8s.io/engine-type", "trtllm-serve"), EndpointMetrics.NONE, T);
        assertThat(x.engine()).isEqualTo("trtllm-serve");
        assertThat(x.problems()).isEmpty();
        assertThat(x.metrics()).isEqualTo(new EndpointMetrics(3, 8, 0.75, Set.of(), Set.of(), 0, 32, 4096, T));
    }

    @Test
    void tritonTensorRtLlmSelectsSeriesByLabel() {
        for (String name : List.of("triton-tensorrt-llm", "triton-trtllm")) {
            MetricsExtraction x = extractor.extract(Fixtures.bytes("triton-trtllm-metrics.txt"),
                    Map.of("llm-d.ai/engine-type", name), EndpointMetrics.NONE, T);
            assertThat(x.engine()).isEqualTo("triton-tensorrt-llm");
            assertThat(x.problems()).isEmpty();
            assertThat(x.metrics()).isEqualTo(new EndpointMetrics(2, 5, 0.1171875, Set.of(), Set.of(), 0, 64, 1024, T));
        }
    }

    @Test
    void engineLabelPrecedenceAndUnknownEngineFallsBackToDefault() {
        assertThat(extractor.engineTypeOf(Map.of("llm-d.ai/engine-type", "sglang",
                "inference.networking.k8s.io/engine-type", "trtllm-serve"))).isEqualTo("sglang");
        assertThat(extractor.engineTypeOf(Map.of("llm-d.ai/engine-type", "",
                "inference.networking.k8s.io/engine-type", "trtllm-serve"))).isEqualTo("trtllm-serve");
        assertThat(extractor.engineTypeOf(Map.of())).isEqualTo("vllm");
        assertThat(extractor.engineTypeOf(null)).isEqualTo("vllm");
        assertThat(extractor.mappingFor(Map.of("llm-d.ai/engine-type", "mystery"))).isSameAs(EngineMetricsMapping.VLLM);
    }

    @Test
    void customEngineConfigsFromSpecStrings() {
        EngineConfig custom = new EngineConfig("my-engine",
                "my_queue{kind=\"waiting\"}", "my_queue{kind=running}", "my_kv", "", "my_cache_info",
                "bs", "nb", null, null);
        EngineConfig overrideVllm = new EngineConfig("vllm", "vllm:num_requests_waiting{model_name=base}",
                "vllm:num_requests_running", "vllm:kv_cache_usage_perc", null, null, null, null, null, null);
        MetricsExtractor x = MetricsExtractor.create("example.com/engine", "my-engine", List.of(custom, overrideVllm));

        byte[] page = text("my_queue{kind=\"waiting\"} 4\nmy_queue{kind=\"running\"} 6\nmy_kv 0.3\n"
                + "my_cache_info{bs=\"64\",nb=\"777\"} 1\n");
        MetricsExtraction unlabeled = x.extract(page, Map.of(), EndpointMetrics.NONE, T);
        assertThat(unlabeled.engine()).isEqualTo("my-engine");
        assertThat(unlabeled.metrics()).isEqualTo(new EndpointMetrics(4, 6, 0.3, Set.of(), Set.of(), 0, 64, 777, T));

        byte[] vllm = text("vllm:num_requests_waiting{model_name=\"base\"} 1\nvllm:num_requests_waiting{model_name=\"lora\"} 5\n"
                + "vllm:num_requests_running 0\nvllm:kv_cache_usage_perc 0\n");
        MetricsExtraction v = x.extract(vllm, Map.of("example.com/engine", "vllm"), EndpointMetrics.NONE, T);
        assertThat(v.metrics().waitingQueueSize()).isEqualTo(1);
        assertThat(v.problems()).isEmpty(); // LoRA and cache info disabled by the override

        assertThatThrownBy(() -> MetricsExtractor.create(null, "nope", List.of()))
                .hasMessageContaining("defaultEngine 'nope' not found");
        assertThatThrownBy(() -> MetricsExtractor.create(null, null,
                List.of(new EngineConfig("bad", "m{a!=b}", null, null, null, null, null, null, null, null))))
                .hasMessageContaining("engine 'bad', queuedRequestsSpec");
        assertThatThrownBy(() -> MetricsExtractor.create(null, null, List.of(custom, custom)))
                .hasMessageContaining("configured twice");
    }

    @Test
    void mappingListsTheSampleNamesItReads() {
        assertThat(EngineMetricsMapping.VLLM.sampleNames()).containsExactly("vllm:num_requests_waiting",
                "vllm:num_requests_running", "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
                "vllm:lora_requests_info", "vllm:cache_config_info");
        assertThat(extractor.parserFor(EngineMetricsMapping.VLLM).sampleNames())
                .containsExactlyElementsOf(EngineMetricsMapping.VLLM.sampleNames());
    }
}
