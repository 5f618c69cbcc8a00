package io.quarkiverse.llmd.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.quarkiverse.llmd.engine.datalayer.metrics.ParsedMetrics;
import io.quarkiverse.llmd.engine.datalayer.metrics.PrometheusTextParser;

/**
 * A scrape body is untrusted input from a model server: the parser documents that nothing in it makes it throw.
 * Every sample comes from a line of the input, so what it keeps is bounded by the input.
 */
class PrometheusTextParserFuzzTest {

    private static final PrometheusTextParser ALL = PrometheusTextParser.all();
    private static final PrometheusTextParser VLLM = PrometheusTextParser.only(List.of("vllm:num_requests_waiting",
            "vllm:num_requests_running", "vllm:kv_cache_usage_perc", "vllm:cache_config_info"));

    @FuzzTest(maxDuration = "15s")
    void parse(FuzzedDataProvider data) {
        boolean all = data.consumeBoolean();
        int offset = data.consumeInt(0, 8);
        byte[] body = data.consumeRemainingAsBytes();
        int start = Math.min(offset, body.length);
        ParsedMetrics parsed = (all ? ALL : VLLM).parse(body, start, body.length - start);
        long lines = 1;
        for (byte b : body) {
            if (b == '\n') {
                lines++;
            }
        }
        assertThat((long) parsed.sampleCount()).isLessThanOrEqualTo(lines);
        assertThat((long) parsed.skippedLines()).isLessThanOrEqualTo(lines);
        for (String name : parsed.names()) {
            assertThat(parsed.samples(name)).isNotEmpty();
        }
    }
}
