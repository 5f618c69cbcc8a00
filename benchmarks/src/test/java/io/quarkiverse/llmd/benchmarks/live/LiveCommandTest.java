package io.quarkiverse.llmd.benchmarks.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkiverse.llmd.benchmarks.report.ReportCommand;
import io.quarkiverse.llmd.benchmarks.sim.ClusterSimulator;
import io.quarkiverse.llmd.benchmarks.sim.Outputs;
import io.quarkiverse.llmd.benchmarks.sim.SchedulerConfigs;
import io.quarkiverse.llmd.benchmarks.sim.Summary;
import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadParser;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** CI smoke of {@code llmd-bench live --mode direct} against two in-process simulated pods (about 1.5 s of load). */
class LiveCommandTest {

    /** 30 requests/s for 1.5 s of shared-prefix traffic with short answers. */
    static final String TINY = """
            data:
              type: shared_prefix
              shared_prefix:
                num_groups: 2
                num_prompts_per_group: 4
                system_prompt_len: 64
                question_len: 8
                output_len: 6
            load:
              type: poisson
              stages:
              - {rate: 20, duration: 1}
              - {rate: 40, duration: 1}
            """;

    /** Random prompts, constant arrivals, at most 2 in flight, a (generous) request timeout. */
    static final String LIMITED = """
            data:
              type: random
              input_distribution: {min: 20, max: 60, mean: 40, std_dev: 10}
              output_distribution: 4
            load:
              type: constant
              num_workers: 1
              worker_max_concurrency: 2
              request_timeout: 30
              stages:
              - {rate: 30, duration: 0.5}
            """;

    static final String RR = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: round-robin-picker
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: round-robin-picker
            """;

    @TempDir
    Path dir;

    @Test
    void directModeAgainstTwoSimulatedPodsWritesTheSimSummaryShape() throws Exception {
        Path workload = dir.resolve("tiny.yaml");
        Files.writeString(workload, TINY);
        Path out = dir.resolve("out");
        try (SimulatedFleet fleet = SimulatedFleet.start(SimulatorConfig.builder("sim-model").replicas(2).port(0)
                .timeScale(50).seed(3).build())) {
            String targets = String.join(",", fleet.baseUris().stream().map(Object::toString).toList());
            int rc = LiveCommand.main(new String[] { "--workload", workload.toString(), "--target", targets,
                "--mode", "direct", "--seed", "5", "--group", out.toString(), "--duration-scale", "0.75",
                "--drain-timeout", "20" });
            assertThat(rc).isZero();
            // a second run of the same workload joins the group under its label
            rc = LiveCommand.main(new String[] { "--workload", workload.toString(), "--target",
                fleet.baseUris().get(0).toString(), "--mode", "direct", "--label", "one-pod", "--seed", "5",
                "--group", out.toString(), "--duration-scale", "0.25", "--no-csv" });
            assertThat(rc).isZero();
            // the workload's concurrency limit holds arrivals back; none is lost
            Path limited = dir.resolve("limited.yaml");
            Files.writeString(limited, LIMITED);
            rc = LiveCommand.main(new String[] { "--workload", limited.toString(), "--target", targets, "--mode",
                "direct", "--seed", "1", "--out", dir.resolve("limited").toString(), "--no-plots" });
            assertThat(rc).isZero();
            Map<String, Object> s = Outputs.readJson(dir.resolve("limited/summary.json"));
            assertThat(s.get("requests")).isEqualTo(15);
            assertThat(s.get("completed")).isEqualTo(15);
        }
        assertThat(Outputs.readJson(out.resolve("run.json"))).containsKeys("command", "machine", "runs");
        assertThat(out.resolve("one-pod/summary.json")).isNotEmptyFile();
        assertThat(out.resolve(io.quarkiverse.llmd.benchmarks.sim.Plots.TTFT_P90)).isNotEmptyFile();
        Map<String, Object> summary = Outputs.readJson(out.resolve("direct/summary.json"));
        assertThat(((Number) summary.get("completed")).intValue()).isPositive();
        assertThat(summary.get("failed")).isEqualTo(0);
        assertThat(summary.get("errors")).isEqualTo(Map.of());
        assertThat(summary.get("requests")).isEqualTo(summary.get("completed"));
        assertThat(((Number) summary.get("kv_hit_rate")).doubleValue()).as("shared prefixes hit the pods' caches")
                .isPositive();
        @SuppressWarnings("unchecked")
        Map<String, Object> ttft = (Map<String, Object>) summary.get("ttft_s");
        assertThat(((Number) ttft.get("p50")).doubleValue()).isPositive();

        // the same keys as sim's summary, for the whole run and per stage
        WorkloadSpec spec = WorkloadParser.parse(workload);
        Map<String, Object> sim = Summary.of(ClusterSimulator.run(spec, ClusterSpec.defaults().withPods(2),
                SchedulerConfigs.load("rr", RR), "rr", 5));
        assertSameShape(summary, sim);

        List<String> csv = Files.readAllLines(out.resolve("direct/requests.csv"));
        assertThat(csv.get(0)).isEqualTo(Outputs.CSV_HEADER);
        assertThat(csv).hasSize(1 + (Integer) summary.get("requests"));
        assertThat(csv.get(1).split(",", -1)).hasSize(Outputs.CSV_HEADER.split(",").length);

        Path md = dir.resolve("report.md");
        assertThat(ReportCommand.main(new String[] { "--runs", out.toString(), "--out", md.toString() })).isZero();
        assertThat(Files.readString(md)).contains("### Workload `tiny`", "| direct |", "| one-pod |",
                "bin/llmd-bench live", "Live runs", "1.00×");
    }

    @Test
    void failuresAreCountedByReason() throws Exception {
        Path workload = dir.resolve("tiny.yaml");
        Files.writeString(workload, TINY);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/models", ex -> answer(ex, 200, "{\"data\":[{\"id\":\"m\"}]}"));
        server.createContext("/v1/", ex -> {
            ex.getRequestBody().readAllBytes();
            answer(ex, 503, "{\"error\":{\"message\":\"overloaded, retry later\",\"type\":\"x\"}}");
        });
        server.start();
        try {
            Path out = dir.resolve("failing");
            int rc = LiveCommand.main(new String[] { "--workload", workload.toString(), "--target",
                "http://127.0.0.1:" + server.getAddress().getPort(), "--seed", "2", "--out", out.toString(),
                "--duration-scale", "0.25", "--no-plots", "--no-csv", "--drain-timeout", "10" });
            assertThat(rc).as("nothing completed").isEqualTo(1);
            Map<String, Object> s = Outputs.readJson(out.resolve("summary.json"));
            assertThat(s.get("completed")).isEqualTo(0);
            assertThat(s.get("errors")).isEqualTo(Map.of("HTTP 503: overloaded, retry later", s.get("requests")));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aModelTheTargetDoesNotServeStopsTheRunBeforeItStarts() throws Exception {
        Path workload = dir.resolve("tiny.yaml");
        Files.writeString(workload, TINY);
        try (SimulatedFleet fleet = SimulatedFleet.start(SimulatorConfig.builder("sim-model").replicas(1).port(0)
                .build())) {
            Path out = dir.resolve("typo");
            int rc = LiveCommand.main(new String[] { "--workload", workload.toString(), "--target",
                fleet.baseUris().get(0).toString(), "--model", "sim-modle", "--out", out.toString() });
            assertThat(rc).isEqualTo(1);
            assertThat(out).doesNotExist();
            // without --model, the workload's default model gives way to the one served
            assertThat(LiveCommand.servedModel(WorkloadParser.parse("w", TINY).model(), false,
                    List.of(fleet.baseUris().get(0).toString()))).isEqualTo("sim-model");
        }
    }

    private static void answer(HttpExchange ex, int status, String body) throws java.io.IOException {
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("content-type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @SuppressWarnings("unchecked")
    static void assertSameShape(Map<String, Object> live, Map<String, Object> sim) {
        for (String k : sim.keySet()) {
            if (List.of("virtual_duration_s", "engine_steps", "preemptions").contains(k)) {
                continue; // virtual-time counters; live has duration_s (wall)
            }
            assertThat(live).containsKey(k);
        }
        for (String k : List.of("ttft_s", "tpot_s", "e2e_s", "client_wait_s")) {
            assertThat(((Map<String, Object>) live.get(k)).keySet())
                    .containsExactlyElementsOf(((Map<String, Object>) sim.get(k)).keySet());
        }
        List<Map<String, Object>> ls = (List<Map<String, Object>>) live.get("stages");
        List<Map<String, Object>> ss = (List<Map<String, Object>>) sim.get("stages");
        assertThat(ls).hasSameSizeAs(ss);
        assertThat(ls.get(0).keySet()).containsExactlyElementsOf(ss.get(0).keySet());
        assertThat(((Map<String, Object>) live.get("cluster")).keySet())
                .containsAll(((Map<String, Object>) sim.get("cluster")).keySet().stream()
                        .filter(k -> List.of("name", "pods", "hardware").contains(k)).toList());
    }

    @Test
    void arrivalsFollowTheStagesAndTheSeed() {
        WorkloadSpec spec = WorkloadParser.parse("w", TINY);
        Arrivals a = Arrivals.plan(spec.load(), 1, new SplittableRandom(1));
        Arrivals b = Arrivals.plan(spec.load(), 1, new SplittableRandom(1));
        assertThat(a.times()).containsExactly(b.times());
        assertThat(a.times()).isSorted();
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.times()[i]).isLessThan(a.stage()[i] == 0 ? 1.0 : 2.0);
        }
        Arrivals half = Arrivals.plan(spec.load(), 0.5, new SplittableRandom(1));
        assertThat(half.stageStart()).containsExactly(0.0, 0.5);
        assertThat(half.times()[half.size() - 1]).isLessThan(1.0);
    }

    @Test
    void streamOptionsAreAddedBeforeTheClosingBrace() {
        byte[] body = LiveRun.withUsage("{\"model\":\"m\",\"stream\":true}".getBytes());
        assertThat(new String(body)).isEqualTo(
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    }

    @Test
    void badArgumentsAreReported() {
        assertThat(LiveCommand.main(new String[] { "--workload" })).isEqualTo(2);
        assertThat(LiveCommand.main(new String[] { "--workload", "w.yaml", "--target", "x", "--out", "o",
            "--mode", "nope" })).isEqualTo(2);
        assertThat(LiveCommand.main(new String[] { "--workload", "w.yaml", "--target", "http://h:1", "--out", "o",
            "--plaintext" })).as("TLS options are for extproc").isEqualTo(2);
        assertThat(LiveCommand.main(new String[] { "--workload", "w.yaml", "--target", "h:1", "--out", "o",
            "--mode", "extproc", "--plaintext", "--tls-insecure" })).isEqualTo(2);
        assertThat(LiveCommand.main(new String[] { "--workload", "w.yaml", "--target", "localhost:1", "--out", "o",
            "--mode", "proxy" })).isEqualTo(2);
    }
}
