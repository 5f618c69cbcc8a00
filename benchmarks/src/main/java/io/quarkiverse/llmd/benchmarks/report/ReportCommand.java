package io.quarkiverse.llmd.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import io.quarkiverse.llmd.benchmarks.sim.Outputs;
import io.quarkiverse.llmd.benchmarks.sim.Plots;

/**
 * {@code llmd-bench report}: regenerates the cluster-simulator section of the benchmark report from the output
 * directories of {@code llmd-bench sim} runs (one directory per workload, each with run.json and one summary.json
 * per scheduler). Copies the plots next to the report and links them.
 */
public final class ReportCommand {

    public static final String USAGE = """
            usage: llmd-bench report [--runs DIR ...] [--speed DIR ...] --out FILE.md
                                     [--images DIR] [--notes benchmarks/workloads]

              DIR: output directories of `llmd-bench sim` (default: every directory under benchmarks/target/results
              holding a run.json). PNGs are copied to --images (default: images/ next to --out) as
              <workload>-<plot>.png and linked relatively. Notes for a workload (NOTES-DIR/<workload>.md, default
              benchmarks/workloads) are included under its heading. --speed DIR: sim runs listed only in the
              "Simulator speed" table (requests, events, wall time).
              --out is always named by you (nothing is written anywhere else, except the PNGs): to refresh the
              published report, pass --out docs/benchmarks.md. When --out exists, only the part between the report
              markers is replaced (appended when it has none), so the hand-written sections of that file stay.
            """;

    static final String BEGIN = "<!-- llmd-bench report: begin (generated, do not edit by hand) -->";
    static final String END = "<!-- llmd-bench report: end -->";

    private static final String BASELINE = "round-robin";

    private ReportCommand() {
    }

    public static int main(String[] args) {
        List<Path> runs = new ArrayList<>();
        List<Path> speed = new ArrayList<>();
        Path notesDir = Path.of("benchmarks/workloads");
        Path out = null;
        Path images = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        runs.add(Path.of(args[++i]));
                    }
                }
                case "--speed" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        speed.add(Path.of(args[++i]));
                    }
                }
                case "--notes" -> notesDir = i + 1 < args.length ? Path.of(args[++i]) : notesDir;
                case "--out" -> out = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--images" -> images = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> {
                    System.err.println("error: unknown option '" + args[i] + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        if (out == null) {
            System.err.println("error: --out is required\n" + USAGE);
            return 2;
        }
        try {
            if (runs.isEmpty()) {
                Path results = Path.of("benchmarks/target/results");
                if (Files.isDirectory(results)) {
                    try (Stream<Path> s = Files.list(results)) {
                        s.filter(d -> Files.exists(d.resolve("run.json"))).sorted().forEach(runs::add);
                    }
                }
            }
            if (runs.isEmpty()) {
                System.err.println("error: no run directories (give --runs DIR ..., the --out of `llmd-bench sim`"
                        + " or `llmd-bench live --group`)");
                return 1;
            }
            String missing = missingRuns(runs, "--runs") + missingRuns(speed, "--speed");
            if (!missing.isEmpty()) {
                System.err.print(missing);
                return 1;
            }
            Path imageDir = images != null ? images : out.toAbsolutePath().getParent().resolve("images");
            String md = render(runs, speed, notesDir, out, imageDir)
                    + "\nThis section was generated with:\n\n```\nbin/llmd-bench report " + String.join(" ", args)
                    + "\n```\n";
            Files.createDirectories(out.toAbsolutePath().getParent());
            String existing = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : null;
            Files.writeString(out, splice(existing, md), StandardCharsets.UTF_8);
            System.out.println("wrote " + out);
            return 0;
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** One error line per directory that is not the output of a run (no run.json); empty when all are. */
    static String missingRuns(List<Path> dirs, String option) {
        StringBuilder sb = new StringBuilder();
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                sb.append("error: ").append(option).append(' ').append(d)
                        .append(": no such directory (run `llmd-bench sim --out ").append(d).append(" ...` first)\n");
            } else if (!Files.isRegularFile(d.resolve("run.json"))) {
                sb.append("error: ").append(option).append(' ').append(d)
                        .append(": not the output of a run (it has no run.json)\n");
            }
        }
        return sb.toString();
    }

    /**
     * The file with {@code generated} between the report markers: replacing the previous report, appended when the
     * file has no markers yet, or the whole file when there was none.
     */
    static String splice(String existing, String generated) {
        String block = BEGIN + "\n" + generated.strip() + "\n" + END + "\n";
        if (existing == null || existing.isBlank()) {
            return block;
        }
        int begin = existing.indexOf(BEGIN);
        int end = existing.indexOf(END);
        if (begin < 0 || end < begin) {
            return existing.stripTrailing() + "\n\n" + block;
        }
        String after = existing.substring(end + END.length());
        return existing.substring(0, begin) + block + (after.startsWith("\n") ? after.substring(1) : after);
    }

    static String render(List<Path> runDirs, List<Path> speedDirs, Path notesDir, Path out, Path imageDir)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("## Cluster simulator results\n\n");
        md.append("Generated by `bin/llmd-bench report` from `bin/llmd-bench sim` runs: the real scheduler "
                + "(EndpointPickerConfig plugins) in front of simulated vLLM pods (the simulator's continuous-batching "
                + "engine model with prefix caching), in virtual time. See "
                + "`docs/modules/ROOT/pages/cluster-simulator.adoc` for the model, the scaling and its limits. "
                + "Absolute numbers follow the calibrated step model, not real GPUs; compare shapes and ratios.\n\n");
        Map<String, Object> firstMachine = null;
        for (Path dir : runDirs) {
            Map<String, Object> meta = Outputs.readJson(dir.resolve("run.json"));
            if (firstMachine == null) {
                firstMachine = (Map<String, Object>) meta.get("machine");
            }
            List<Map<String, Object>> summaries = new ArrayList<>();
            List<Map<String, Object>> runs = (List<Map<String, Object>>) meta.get("runs");
            for (Map<String, Object> r : runs) {
                Path s = dir.resolve(String.valueOf(r.get("scheduler"))).resolve("summary.json");
                if (!Files.exists(s)) {
                    s = dir.resolve("summary.json");
                }
                summaries.add(Outputs.readJson(s));
            }
            String workload = String.valueOf(meta.get("workload"));
            md.append("### Workload `").append(workload).append("`\n\n");
            Path notes = notesDir.resolve(workload + ".md");
            if (Files.exists(notes)) {
                md.append(Files.readString(notes).strip()).append("\n\n");
            }
            Map<String, Object> cluster = (Map<String, Object>) summaries.get(0).get("cluster");
            if (cluster.get("mode") != null) {
                // `llmd-bench live` runs: real traffic in wall-clock time, no simulated cluster description
                md.append("Live runs (`bin/llmd-bench live`, wall-clock time):");
                for (Map<String, Object> s : summaries) {
                    Map<String, Object> c = (Map<String, Object>) s.get("cluster");
                    md.append(" `").append(s.get("scheduler")).append("` = ").append(c.get("mode")).append(" mode to ")
                            .append(c.get("targets")).append(';');
                }
                md.setLength(md.length() - 1);
                md.append(". Seed ").append(meta.get("seed")).append(".\n\n");
            } else {
                md.append(String.format(Locale.ROOT, "Cluster: %s pods × `%s`, %s KV blocks of %s tokens per pod, "
                        + "max-num-seqs %s, max-num-batched-tokens %s. Seed %s.%n%n", cluster.get("pods"),
                        cluster.get("hardware"), cluster.get("kv_blocks_per_pod"), cluster.get("block_size"),
                        cluster.get("max_num_seqs"), cluster.get("max_num_batched_tokens"), meta.get("seed")));
            }
            md.append("Command:\n\n```\n").append(meta.get("command")).append("\n```\n\n");
            overall(md, summaries, runs);
            perStage(md, summaries);
            for (String plot : List.of(Plots.TTFT_P90, Plots.THROUGHPUT)) {
                Path png = dir.resolve(plot);
                if (Files.exists(png)) {
                    Files.createDirectories(imageDir);
                    Path target = imageDir.resolve(workload + "-" + plot);
                    Files.copy(png, target, StandardCopyOption.REPLACE_EXISTING);
                    String rel = out.toAbsolutePath().getParent().relativize(target.toAbsolutePath()).toString();
                    md.append("![").append(workload).append(" ").append(plot.replace(".png", "").replace('_', ' '))
                            .append("](").append(rel.replace('\\', '/')).append(")\n\n");
                }
            }
        }
        if (!speedDirs.isEmpty()) {
            md.append("### Simulator speed\n\n| workload | scheduler | pods | requests | events | engine steps |"
                    + " wall (s) | simulated requests per wall second |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (Path dir : speedDirs) {
                Map<String, Object> meta = Outputs.readJson(dir.resolve("run.json"));
                if (firstMachine == null) {
                    firstMachine = (Map<String, Object>) meta.get("machine");
                }
                for (Map<String, Object> r : (List<Map<String, Object>>) meta.get("runs")) {
                    Path s = dir.resolve(String.valueOf(r.get("scheduler"))).resolve("summary.json");
                    Map<String, Object> summary = Outputs.readJson(Files.exists(s) ? s : dir.resolve("summary.json"));
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s | %,d | %,d | %,d | %.1f | %,.0f |%n",
                            meta.get("workload"), r.get("scheduler"),
                            ((Map<String, Object>) summary.get("cluster")).get("pods"), (long) num(r.get("requests")),
                            (long) num(r.get("events")), (long) num(r.get("engine_steps")), num(r.get("wall_s")),
                            num(r.get("simulated_requests_per_wall_s"))));
                }
            }
            md.append("\nWall time of the simulation itself (JVM start and file output"
                    + " excluded; prompt generation included). Commands:\n\n```\n");
            for (Path dir : speedDirs) {
                md.append(Outputs.readJson(dir.resolve("run.json")).get("command")).append('\n');
            }
            md.append("```\n\n");
        }
        if (firstMachine != null) {
            md.append(String.format(Locale.ROOT, "Machine: %s cores, %s, %s, max heap %s MB%s.%n",
                    firstMachine.get("cores"), firstMachine.get("jvm"), firstMachine.get("os"),
                    firstMachine.get("max_heap_mb"), firstMachine.get("load_average") == null ? ""
                            : ", load average " + firstMachine.get("load_average") + " when the first run started"
                                    + " (wall times are indicative on a shared machine)"));
        }
        return md.toString();
    }

    @SuppressWarnings("unchecked")
    private static void overall(StringBuilder md, List<Map<String, Object>> summaries, List<Map<String, Object>> runs) {
        Map<String, Object> base = null;
        for (Map<String, Object> s : summaries) {
            if (BASELINE.equals(s.get("scheduler"))) {
                base = s;
            }
        }
        for (Map<String, Object> s : summaries) {
            if (base == null && "direct".equals(s.get("mode"))) {
                base = s; // a live run straight to the pods, round-robin: the baseline without a scheduler
            }
        }
        md.append("| scheduler | requests | failed | TTFT p50 (s) | TTFT p90 (s) | output tok/s | KV hit rate |"
                + " TTFT p90 vs RR | tok/s vs RR | knee (QPS) | client wait p90 (s) | wall (s) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < summaries.size(); i++) {
            Map<String, Object> s = summaries.get(i);
            Map<String, Object> ttft = (Map<String, Object>) s.get("ttft_s");
            double p90 = num(ttft.get("p90"));
            double tps = num(s.get("output_tokens_per_s"));
            String r1 = "–";
            String r2 = "–";
            if (base != null) {
                double bp90 = num(((Map<String, Object>) base.get("ttft_s")).get("p90"));
                double btps = num(base.get("output_tokens_per_s"));
                r1 = bp90 > 0 ? String.format(Locale.ROOT, "%.3f×", p90 / bp90) : "–";
                r2 = btps > 0 ? String.format(Locale.ROOT, "%.2f×", tps / btps) : "–";
            }
            Object wait = s.get("client_wait_s");
            double waitP90 = wait instanceof Map<?, ?> w ? num(w.get("p90")) : 0;
            md.append(String.format(Locale.ROOT,
                    "| %s | %d | %d | %.3f | %.3f | %.0f | %.1f%% | %s | %s | %s | %.2f | %.1f |%n",
                    s.get("scheduler"), (int) num(s.get("requests")), (int) num(s.get("failed")), num(ttft.get("p50")),
                    p90, tps, 100 * num(s.get("kv_hit_rate")), r1, r2, knee(s), waitP90,
                    i < runs.size() ? num(runs.get(i).get("wall_s")) : 0));
        }
        md.append("\nKnee: the first QPS stage (warm-up excluded) whose TTFT p90 exceeds " + fmtRate(KNEE_TTFT_P90_S)
                + " s or whose requests all failed; \"–\" when none. Latencies are measured from the send; client wait"
                + " is the time the client's concurrency limit held a request back before sending it.\n\n");
    }

    /** TTFT p90 (s) above which a stage counts as past the knee. */
    static final double KNEE_TTFT_P90_S = 2.0;

    @SuppressWarnings("unchecked")
    static String knee(Map<String, Object> summary) {
        List<Map<String, Object>> stages = (List<Map<String, Object>>) summary.get("stages");
        if (stages == null || stages.size() < 2) {
            return "–";
        }
        for (int st = Plots.warmupStages(stages); st < stages.size(); st++) {
            Map<String, Object> stage = stages.get(st);
            if (num(stage.get("completed")) == 0
                    || num(((Map<String, Object>) stage.get("ttft_s")).get("p90")) > KNEE_TTFT_P90_S) {
                return fmtRate(num(stage.get("rate")));
            }
        }
        return "–";
    }

    @SuppressWarnings("unchecked")
    private static void perStage(StringBuilder md, List<Map<String, Object>> summaries) {
        List<Map<String, Object>> first = (List<Map<String, Object>>) summaries.get(0).get("stages");
        if (first.size() < 2) {
            return;
        }
        md.append("Per stage (requests that arrived during the stage), TTFT p90 (s) / output tok/s / KV hit rate"
                + " (and failed requests, when any):\n\n| QPS |");
        for (Map<String, Object> s : summaries) {
            md.append(' ').append(s.get("scheduler")).append(" |");
        }
        md.append("\n|---:|");
        md.append("---|".repeat(summaries.size()));
        md.append('\n');
        int warm = Plots.warmupStages(first);
        for (int st = 0; st < first.size(); st++) {
            md.append("| ").append(fmtRate(num(first.get(st).get("rate")))).append(st < warm ? " (warm-up)" : "")
                    .append(" |");
            for (Map<String, Object> s : summaries) {
                Map<String, Object> stage = ((List<Map<String, Object>>) s.get("stages")).get(st);
                int failed = (int) num(stage.get("failed"));
                if (num(stage.get("completed")) == 0) {
                    md.append(" all ").append(failed).append(" failed |");
                    continue;
                }
                md.append(String.format(Locale.ROOT, " %.2f / %.0f / %.0f%%%s |",
                        num(((Map<String, Object>) stage.get("ttft_s")).get("p90")),
                        num(stage.get("output_tokens_per_s")), 100 * num(stage.get("kv_hit_rate")),
                        failed > 0 ? " (" + failed + " failed)" : ""));
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static String fmtRate(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.2f", r);
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }
}
