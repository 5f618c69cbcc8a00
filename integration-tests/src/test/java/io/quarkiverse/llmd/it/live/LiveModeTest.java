package io.quarkiverse.llmd.it.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.benchmarks.live.LiveCommand;
import io.quarkiverse.llmd.benchmarks.sim.Outputs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * CI smoke of {@code llmd-bench live} against the test app: about a second of shared-prefix load through the
 * OpenAI proxy ({@code --mode proxy}) and as Envoy against the ext_proc picker ({@code --mode extproc}).
 */
@QuarkusTest
@TestProfile(LiveProfile.class)
class LiveModeTest {

    static final String WORKLOAD = """
            data:
              type: shared_prefix
              shared_prefix:
                num_groups: 2
                num_prompts_per_group: 4
                system_prompt_len: 64
                question_len: 8
                output_len: 4
            load:
              type: poisson
              stages:
              - {rate: 20, duration: 0.5}
              - {rate: 40, duration: 0.5}
            """;

    static final Path DIR = Path.of("target", "live-test");

    @TestHTTPResource("/")
    URL root;

    static Path workload() throws Exception {
        Files.createDirectories(DIR);
        Path w = DIR.resolve("tiny.yaml");
        Files.writeString(w, WORKLOAD);
        return w;
    }

    @Test
    void proxyModeStreamsThroughTheGateway() throws Exception {
        Path out = DIR.resolve("proxy");
        String target = "http://" + root.getHost() + ":" + root.getPort();
        int rc = LiveCommand.main(new String[] { "--workload", workload().toString(), "--target", target,
            "--mode", "proxy", "--seed", "3", "--out", out.toString(), "--no-plots", "--drain-timeout", "20" });
        assertThat(rc).isZero();
        Map<String, Object> s = assertSummaryShape(out);
        assertThat(((Number) s.get("output_tokens")).longValue()).isPositive();
    }

    @Test
    @SuppressWarnings("unchecked")
    void extprocModeGetsDecisionsFromThePicker() throws Exception {
        Path out = DIR.resolve("extproc");
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        int rc = LiveCommand.main(new String[] { "--workload", workload().toString(), "--target",
            "127.0.0.1:" + port, "--mode", "extproc", "--seed", "3", "--out", out.toString(), "--no-plots",
            "--drain-timeout", "20" });
        assertThat(rc).isZero();
        Map<String, Object> s = assertSummaryShape(out);
        Map<String, Object> x = (Map<String, Object>) s.get("extproc");
        assertThat(x).containsKeys("decisions", "decisions_per_s", "decision_latency_ms", "destinations", "stages");
        assertThat(((Number) x.get("decisions")).intValue()).isEqualTo(s.get("completed"));
        assertThat(((Map<String, Object>) x.get("decision_latency_ms")).keySet())
                .containsExactly("p50", "p90", "p99", "p999", "mean", "max");
        assertThat(((Map<String, Object>) x.get("destinations")).keySet())
                .allSatisfy(d -> assertThat(d).isIn(List.of(
                        ConfigProvider.getConfig().getValue("quarkus.llmd.endpoints.\"default/vllm-a-rank-0\".address",
                                String.class),
                        ConfigProvider.getConfig().getValue("quarkus.llmd.endpoints.\"default/vllm-b-rank-0\".address",
                                String.class))));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> assertSummaryShape(Path out) {
        Map<String, Object> s = Outputs.readJson(out.resolve("summary.json"));
        assertThat(s).containsKeys("requests", "completed", "failed", "output_tokens_per_s", "requests_per_s",
                "ttft_s", "tpot_s", "e2e_s", "kv_hit_rate", "stages");
        assertThat(((Number) s.get("completed")).intValue()).isPositive();
        for (String k : List.of("ttft_s", "tpot_s", "e2e_s")) {
            assertThat(((Map<String, Object>) s.get(k)).keySet()).containsExactly("p50", "p90", "p99", "mean");
        }
        List<Map<String, Object>> stages = (List<Map<String, Object>>) s.get("stages");
        assertThat(stages).hasSize(2);
        assertThat(stages.get(0)).containsKeys("rate", "requests", "completed", "ttft_s", "output_tokens_per_s",
                "kv_hit_rate");
        assertThat(out.resolve("requests.csv")).isNotEmptyFile();
        assertThat(Outputs.readJson(out.resolve("run.json"))).containsKeys("command", "machine", "runs");
        return s;
    }
}
