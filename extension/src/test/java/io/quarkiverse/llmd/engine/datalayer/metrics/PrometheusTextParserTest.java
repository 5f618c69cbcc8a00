package io.quarkiverse.llmd.engine.datalayer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class PrometheusTextParserTest {

    private static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";

    @Test
    void parsesARealisticVllmPage() {
        ParsedMetrics m = PrometheusTextParser.all().parse(Fixtures.bytes("vllm-metrics.txt"));
        assertThat(m.skippedLines()).isZero();
        assertThat(m.sampleCount()).isEqualTo(30);
        assertThat(m.type("vllm:e2e_request_latency_seconds")).isEqualTo(MetricType.HISTOGRAM);
        assertThat(m.type("vllm:num_requests_running")).isEqualTo(MetricType.GAUGE);
        assertThat(m.type("vllm:prefix_cache_hits_total")).isEqualTo(MetricType.UNKNOWN);

        List<Sample> running = m.samples("vllm:num_requests_running");
        assertThat(running).extracting(Sample::value).containsExactly(3.0, 2.0);
        assertThat(running.get(1).labels().get("engine")).isEqualTo("1");
        assertThat(running.get(1).labels().get("model_name")).isEqualTo(MODEL);
        assertThat(running.get(0).hasTimestamp()).isFalse();

        List<Sample> buckets = m.samples("vllm:e2e_request_latency_seconds_bucket");
        assertThat(buckets).hasSize(5);
        assertThat(buckets.get(4).labels().get("le")).isEqualTo("+Inf");
        assertThat(buckets.get(4).value()).isEqualTo(829.0);
        assertThat(m.first("vllm:e2e_request_latency_seconds_sum").value()).isEqualTo(1031.25);
        assertThat(m.first("process_start_time_seconds").value()).isEqualTo(1.76378312345e9);
        assertThat(m.first("vllm:prefix_cache_queries_total").value()).isEqualTo(1.5e6);
        assertThat(m.first("vllm:prefix_cache_hits_total").value()).isEqualTo(983040.0);

        Sample cache = m.first("vllm:cache_config_info");
        assertThat(cache.labels().size()).isEqualTo(10);
        assertThat(cache.labels().get("block_size")).isEqualTo("16");
        assertThat(cache.labels().get("num_gpu_blocks")).isEqualTo("27310");
        assertThat(m.samples("vllm:lora_requests_info").get(0).labels().get("running_lora_adapters"))
                .isEqualTo("sql-lora,chat-lora");
        assertThat(m.samples("vllm:lora_requests_info").get(1).value()).isEqualTo(1.76378315e9);
    }

    @Test
    void filteredParserKeepsOnlyWantedNamesAndSkipsTheRestSilently() {
        PrometheusTextParser p = PrometheusTextParser.only(List.of("vllm:num_requests_waiting", "vllm:cache_config_info"));
        ParsedMetrics m = p.parse(Fixtures.bytes("vllm-metrics.txt"));
        assertThat(m.names()).containsExactlyInAnyOrder("vllm:num_requests_waiting", "vllm:cache_config_info");
        assertThat(m.sampleCount()).isEqualTo(4);
        assertThat(m.skippedLines()).isZero();
        assertThat(m.type("vllm:num_requests_waiting")).isEqualTo(MetricType.GAUGE);
        assertThat(m.type("vllm:num_requests_running")).isEqualTo(MetricType.UNKNOWN);
        assertThat(p.sampleNames()).containsExactly("vllm:num_requests_waiting", "vllm:cache_config_info");
    }

    @Test
    void escapesCommasBracesTimestampsAndSpecialValues() {
        String text = String.join("\r\n",
                "# a free comment",
                "",
                "   ",
                "m{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",csv=\"x,y}z\",odd=\"\\t\"} 1 1700000000000",
                "m{a=\"é ü\",} -2.5e-3",
                "  m { a = \"1\" , b=\"2\" }   +Inf   ",
                "m NaN",
                "m -inf",
                "m{a=\"x\"} 7 -15 # {trace_id=\"abc\"} 1.0",
                "m 1.7976931348623157e308",
                "m 0.000001",
                "m 12345678901234567890",
                "{\"my.metric\", zone=\"eu\"} 42",
                "{\"my.metric\"} 43",
                "");
        ParsedMetrics m = PrometheusTextParser.all().parse(text);
        assertThat(m.skippedLines()).isZero();
        List<Sample> s = m.samples("m");
        assertThat(s).hasSize(9);
        Labels l = s.get(0).labels();
        assertThat(l.get("path")).isEqualTo("C:\\dir");
        assertThat(l.get("quote")).isEqualTo("say \"hi\"");
        assertThat(l.get("nl")).isEqualTo("a\nb");
        assertThat(l.get("csv")).isEqualTo("x,y}z");
        assertThat(l.get("odd")).isEqualTo("\\t");
        assertThat(s.get(0).timestampMs()).isEqualTo(1_700_000_000_000L);
        assertThat(s.get(1).labels().get("a")).isEqualTo("é ü");
        assertThat(s.get(1).value()).isEqualTo(-0.0025);
        assertThat(s.get(2).labels().asMap()).containsExactly(java.util.Map.entry("a", "1"), java.util.Map.entry("b", "2"));
        assertThat(s.get(2).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(s.get(3).value()).isNaN();
        assertThat(s.get(4).value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(s.get(5).value()).isEqualTo(7.0);
        assertThat(s.get(5).timestampMs()).isEqualTo(-15L);
        assertThat(s.get(6).value()).isEqualTo(Double.MAX_VALUE);
        assertThat(s.get(7).value()).isEqualTo(0.000001);
        assertThat(s.get(8).value()).isEqualTo(1.2345678901234567e19);
        assertThat(m.samples("my.metric")).extracting(Sample::value).containsExactly(42.0, 43.0);
        assertThat(m.first("my.metric").labels().get("zone")).isEqualTo("eu");
    }

    @Test
    void garbageLinesAreSkippedAndCounted() {
        String text = String.join("\n",
                "good 1",
                "this is not a metric",
                "bad{a=\"unterminated} 1",
                "bad{a=unquoted} 1",
                "bad{=\"x\"} 1",
                "bad 1 2 3",
                "bad 1 notatimestamp",
                "bad one",
                "bad",
                "bad1.5",
                "bad 1.2.3",
                "bad 0x1p3",
                "bad{a=\"1\"",
                "bad{a=\"1\" b=\"2\"} 1",
                "9bad 1",
                "\u0000\u0001\u0002",
                "{} 1",
                "good{x=\"y\"} 2");
        ParsedMetrics m = PrometheusTextParser.all().parse(text);
        assertThat(m.samples("good")).extracting(Sample::value).containsExactly(1.0, 2.0);
        assertThat(m.samples("bad")).isEmpty();
        assertThat(m.skippedLines()).isEqualTo(16);
    }

    @Test
    void neverThrowsOnRandomInput() {
        Random r = new Random(42);
        byte[] page = Fixtures.bytes("vllm-metrics.txt");
        PrometheusTextParser all = PrometheusTextParser.all();
        PrometheusTextParser some = PrometheusTextParser.only(List.of("vllm:num_requests_waiting", "m"));
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            all.parse(b);
            some.parse(b);
            byte[] mutated = page.clone();
            for (int k = 0; k < 20; k++) {
                mutated[r.nextInt(mutated.length)] = (byte) r.nextInt(256);
            }
            ParsedMetrics m = all.parse(mutated, 0, r.nextInt(mutated.length));
            assertThat(m.sampleCount()).isGreaterThanOrEqualTo(0);
            some.parse(mutated);
        }
        assertThat(all.parse((byte[]) null)).isSameAs(ParsedMetrics.EMPTY);
        assertThat(all.parse(new byte[0]).sampleCount()).isZero();
    }

    @Test
    void offsetAndLengthAreRespected() {
        byte[] b = "xx\nm 1\nm 2\nyy".getBytes(StandardCharsets.UTF_8);
        ParsedMetrics m = PrometheusTextParser.all().parse(b, 3, 4);
        assertThat(m.samples("m")).extracting(Sample::value).containsExactly(1.0);
    }
}
