package io.quarkiverse.llmd.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkiverse.llmd.benchmarks.report.ReportCommand;

class OutputsTest {

    @TempDir
    Path dir;

    @Test
    void simCommandWritesSummariesCsvPlotsAndTheReportReadsThem() throws Exception {
        Path workload = dir.resolve("shared.yaml");
        Files.writeString(workload, TestRuns.SHARED);
        Path rr = dir.resolve("round-robin.yaml");
        Files.writeString(rr, TestRuns.ROUND_ROBIN);
        Path approx = dir.resolve("approx-prefix.yaml");
        Files.writeString(approx, "# llm-d default\n");
        Path cluster = dir.resolve("c.yaml");
        Files.writeString(cluster, "pods: 4\nhardware: h100\nkv_blocks_per_pod: 512\nmax_num_seqs: 32\n");
        Path out = dir.resolve("out");
        int rc = SimCommand.main(new String[] { "--workload", workload.toString(), "--scheduler", rr.toString(),
            "--scheduler", approx.toString(), "--cluster", cluster.toString(), "--seed", "5", "--out",
            out.toString() });
        assertThat(rc).isZero();

        Map<String, Object> summary = Outputs.readJson(out.resolve("approx-prefix/summary.json"));
        assertThat(summary).containsKeys("requests", "completed", "failed", "output_tokens_per_s", "requests_per_s",
                "ttft_s", "tpot_s", "e2e_s", "kv_hit_rate", "stages");
        for (String k : List.of("ttft_s", "tpot_s", "e2e_s")) {
            assertThat(List.<Object>copyOf(((Map<?, ?>) summary.get(k)).keySet())).containsExactlyInAnyOrder("p50", "p90",
                    "p99", "mean");
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> stages = (List<Map<String, Object>>) summary.get("stages");
        assertThat(stages).hasSize(2);
        assertThat(stages.get(0)).containsKeys("rate", "requests", "ttft_s", "output_tokens_per_s", "kv_hit_rate");

        List<String> csv = Files.readAllLines(out.resolve("round-robin/requests.csv"));
        assertThat(csv.get(0)).isEqualTo(Outputs.CSV_HEADER);
        assertThat(csv).hasSize(1 + (Integer) summary.get("requests"));
        int columns = Outputs.CSV_HEADER.split(",").length;
        assertThat(csv.get(1).split(",", -1)).hasSize(columns);

        assertThat(out.resolve(Plots.TTFT_P90)).isNotEmptyFile();
        assertThat(out.resolve(Plots.THROUGHPUT)).isNotEmptyFile();
        assertThat(Outputs.readJson(out.resolve("run.json"))).containsKeys("command", "machine", "runs");

        Path md = dir.resolve("docs/report.md");
        assertThat(ReportCommand.main(new String[] { "--runs", out.toString(), "--out", md.toString() })).isZero();
        String text = Files.readString(md);
        assertThat(text).contains("### Workload `shared`", "| approx-prefix |", "| round-robin |", "1.00×",
                "images/shared-" + Plots.TTFT_P90, "bin/llmd-bench sim --workload");
        assertThat(dir.resolve("docs/images/shared-" + Plots.TTFT_P90)).isNotEmptyFile();
    }

    @Test
    void badArgumentsAreReported() {
        assertThat(SimCommand.main(new String[] { "--workload" })).isEqualTo(2);
        assertThat(SimCommand.main(new String[] { "--workload", "nope.yaml", "--scheduler", "x.yaml", "--out",
            dir.toString() })).isEqualTo(1);
    }
}
