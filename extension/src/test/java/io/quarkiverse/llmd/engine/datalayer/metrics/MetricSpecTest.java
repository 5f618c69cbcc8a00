package io.quarkiverse.llmd.engine.datalayer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class MetricSpecTest {

    @Test
    void parsesNamesAndBareOrQuotedLabels() {
        assertThat(MetricSpec.parse("vllm:num_requests_waiting")).isEqualTo(MetricSpec.of("vllm:num_requests_waiting"));
        assertThat(MetricSpec.parse(" nv_trt_llm_request_metrics{request_type=waiting} "))
                .isEqualTo(new MetricSpec("nv_trt_llm_request_metrics", Map.of("request_type", "waiting")));
        MetricSpec s = MetricSpec.parse("m{a=\"x,y\", b = plain ,c=\"q\\\"uote\",__name__=\"m\",}");
        assertThat(s.labels()).containsOnly(Map.entry("a", "x,y"), Map.entry("b", "plain"), Map.entry("c", "q\"uote"));
        assertThat(MetricSpec.parse("m{}")).isEqualTo(MetricSpec.of("m"));
        assertThat(MetricSpec.parse("")).isNull();
        assertThat(MetricSpec.parse(null)).isNull();
        assertThat(s.toString()).isEqualTo("m{a=\"x,y\",b=\"plain\",c=\"q\\\"uote\"}");
    }

    @Test
    void refusesWhatItCannotHonour() {
        assertThatThrownBy(() -> MetricSpec.parse("{a=b}")).hasMessageContaining("empty metric name");
        assertThatThrownBy(() -> MetricSpec.parse("m{a!=b}")).hasMessageContaining("'='");
        assertThatThrownBy(() -> MetricSpec.parse("m{a=~\"b.*\"}")).hasMessageContaining("only '=' matchers");
        assertThatThrownBy(() -> MetricSpec.parse("m{a=\"b}")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> MetricSpec.parse("m{a=b")).hasMessageContaining("must end with '}'");
        assertThatThrownBy(() -> MetricSpec.parse("my metric")).hasMessageContaining("invalid metric name");
        assertThatThrownBy(() -> MetricSpec.parse("m{a=}")).hasMessageContaining("bad value");
    }

    @Test
    void selectsSeriesByLabels() {
        ParsedMetrics m = PrometheusTextParser.all().parse("x{t=\"a\",k=\"1\"} 1\nx{t=\"b\"} 2\nx{t=\"a\"} 3\n");
        assertThat(MetricSpec.parse("x{t=a}").select(m)).extracting(Sample::value).containsExactly(1.0, 3.0);
        assertThat(MetricSpec.parse("x").select(m)).hasSize(3);
        assertThat(MetricSpec.parse("x{t=c}").select(m)).isEmpty();
        assertThat(MetricSpec.parse("y").select(m)).isEmpty();
    }
}
