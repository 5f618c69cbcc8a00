package io.quarkiverse.llmd.benchmarks.live;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkiverse.llmd.benchmarks.sim.Machine;
import io.quarkiverse.llmd.benchmarks.sim.Outputs;
import io.quarkiverse.llmd.benchmarks.sim.Plots;
import io.quarkiverse.llmd.benchmarks.sim.RequestLog;
import io.quarkiverse.llmd.benchmarks.sim.Summary;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadException;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadParser;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/** {@code llmd-bench live}: sends a workload to a running gateway, pods or ext_proc picker, open loop, in real time. */
public final class LiveCommand {

    public static final String USAGE = """
            usage: llmd-bench live --workload W.yaml --target URL[,URL...] [--mode proxy|direct|extproc] [--seed N]
                                   --out DIR | --group DIR  [--duration-scale X] [--model M] [--label NAME] [--connections N]
                                   [--drain-timeout S] [--plaintext | --tls-insecure] [--client-warm-up S]
                                   [--no-csv] [--no-plots]

              Sends the workload (inference-perf format, as `sim` reads it) in real time, open loop: each request
              goes out at its planned arrival (Poisson or constant, per load stage) without waiting for earlier
              answers; only the workload's num_workers x worker_max_concurrency, when set, holds arrivals back.
              The prompts are those `sim` generates for the same seed.

              --mode proxy    (default) POST to the gateway URL (http://host:8080); streaming with include_usage:
                              TTFT = first content chunk, TPOT = (E2E - TTFT) / (output tokens - 1), KV hit rate
                              = usage.prompt_tokens_details.cached_tokens / prompt_tokens.
              --mode direct   the same, round-robin over the pod URLs (a baseline without a scheduler).
                              proxy and direct first read each target's /v1/models: when the workload's model is
                              not served, the first served model is sent instead (and said so); a --model the
                              target does not serve is an error listing the served models.
              --mode extproc  act as Envoy against the ext_proc picker at HOST:PORT, FULL_DUPLEX_STREAMED: TTFT =
                              decision latency (headers sent -> destination), the response side answered at once;
                              adds an `extproc` block with decisions/s and decision latency p50/p90/p99/p999.
                              Without --plaintext or --tls-insecure the port is probed: plaintext if it does not
                              speak TLS; TLS without verification if it does and is on this machine (the gateway's
                              default: a self-signed certificate); otherwise an error naming the option to pass.
              --plaintext     extproc over h2c (a gateway started with quarkus.llmd.ext-proc.secure-serving=false).
              --tls-insecure  extproc over TLS without verifying the certificate.
              --client-warm-up S  extproc: before the run, this client sends 2,000 requests/s for S seconds to a
                              trivial picker of its own on a loopback port (default 5; 0 skips it), so that its own
                              first seconds, run before the JIT has compiled them, are not counted as the picker's
                              latency. The target sees nothing of it.
              --duration-scale X  multiplies every stage's duration (rates unchanged).
              --model M       overrides the workload's server.model_name.
              --label NAME    the run's name in summary.json and reports (default: the mode).
              --connections N HTTP connection pool size (default 1024) or gRPC connections (default 2).
              --drain-timeout S  how long to wait for answers after the last send (default 60; requests still open
                              are counted as timed out). The workload's request_timeout, if set, limits each request.
              Writes DIR/summary.json (the shape of `sim`'s, plus `errors`: failure reasons such as
              "HTTP 404: <message>" with their counts), DIR/requests.csv, DIR/run.json and plots, readable by
              `llmd-bench report --runs DIR`.
              --group DIR     instead of --out: writes DIR/<label>/summary.json and requests.csv and adds the run
                              to DIR/run.json (replacing an earlier run of the same label), with combined plots in
                              DIR, the layout of a multi-scheduler `sim` run: runs of the same workload under
                              several labels (schedulers, modes) then appear in one report table.
            """;

    private LiveCommand() {
    }

    public static int main(String[] args) {
        Path workloadFile = null;
        Path out = null;
        Path group = null;
        List<String> targets = new ArrayList<>();
        String mode = "proxy";
        long seed = 1;
        double scale = 1;
        String model = null;
        String label = null;
        Integer connections = null;
        double drain = 60;
        double clientWarmUp = 5;
        boolean tlsInsecure = false;
        boolean plaintext = false;
        boolean csv = true;
        boolean plots = true;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--workload" -> workloadFile = Path.of(value(args, ++i, a));
                    case "--target" -> {
                        for (String t : value(args, ++i, a).split(",")) {
                            if (!t.isBlank()) {
                                targets.add(t.trim());
                            }
                        }
                    }
                    case "--mode" -> mode = value(args, ++i, a);
                    case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--group" -> group = Path.of(value(args, ++i, a));
                    case "--duration-scale" -> scale = Double.parseDouble(value(args, ++i, a));
                    case "--model" -> model = value(args, ++i, a);
                    case "--label" -> label = value(args, ++i, a);
                    case "--connections" -> connections = Integer.parseInt(value(args, ++i, a));
                    case "--drain-timeout" -> drain = Double.parseDouble(value(args, ++i, a));
                    case "--client-warm-up" -> clientWarmUp = Double.parseDouble(value(args, ++i, a));
                    case "--tls-insecure" -> tlsInsecure = true;
                    case "--plaintext" -> plaintext = true;
                    case "--no-csv" -> csv = false;
                    case "--no-plots" -> plots = false;
                    case "-h", "--help" -> {
                        System.out.print(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (workloadFile == null || targets.isEmpty() || (out == null) == (group == null)) {
                throw new IllegalArgumentException("--workload, --target and one of --out and --group are required");
            }
            if (!List.of("proxy", "direct", "extproc").contains(mode)) {
                throw new IllegalArgumentException("--mode is proxy, direct or extproc, got '" + mode + "'");
            }
            if (mode.equals("extproc") && targets.size() != 1) {
                throw new IllegalArgumentException("--mode extproc takes one HOST:PORT target");
            }
            if (plaintext && tlsInsecure) {
                throw new IllegalArgumentException("--plaintext and --tls-insecure exclude each other");
            }
            if ((plaintext || tlsInsecure) && !mode.equals("extproc")) {
                throw new IllegalArgumentException("--plaintext and --tls-insecure apply to --mode extproc only");
            }
            if (!(scale > 0)) {
                throw new IllegalArgumentException("--duration-scale must be > 0");
            }
            if (!(clientWarmUp >= 0) || clientWarmUp > 600) {
                throw new IllegalArgumentException("--client-warm-up is seconds from 0 to 600, got " + clientWarmUp);
            }
            if (!mode.equals("extproc")) {
                for (String t : targets) {
                    URI u = URI.create(t);
                    if (!"http".equals(u.getScheme()) || u.getHost() == null) {
                        throw new IllegalArgumentException("--target for " + mode + " mode is http://HOST:PORT, got '"
                                + t + "'");
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        try {
            WorkloadSpec w = WorkloadParser.parse(workloadFile);
            if (model != null) {
                w = withModel(w, model);
            }
            ExtProcSecurity security = null;
            if (mode.equals("extproc")) {
                security = plaintext ? ExtProcSecurity.PLAINTEXT
                        : tlsInsecure ? ExtProcSecurity.TLS_INSECURE : detectSecurity(targets.get(0));
            } else {
                w = withModel(w, servedModel(w.model(), model != null, targets));
            }
            if (mode.equals("extproc") && clientWarmUp > 0) {
                warmClient(w, clientWarmUp, connections, seed);
            }
            String name = label == null ? mode : label;
            if (group != null && !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("--label must be a plain file name with --group, got '" + name
                        + "'");
            }
            Map<String, Object> summary = run(w, mode, targets, seed, scale, name, connections, drain,
                    security, group != null ? group.resolve(name) : out, csv, plots && group == null, args);
            if (group != null) {
                addToGroup(group, name, w, seed, plots, args);
            }
            return ((Number) summary.get("completed")).intValue() > 0 ? 0 : 1;
        } catch (WorkloadException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Runs this client's ext_proc code at 2,000 requests/s for {@code seconds} against a {@link LoopbackPicker}, so
     * that the measurement that follows meets a compiled client; nothing of it is recorded.
     */
    static void warmClient(WorkloadSpec w, double seconds, Integer connections, long seed) {
        WorkloadSpec warm = new WorkloadSpec(w.name() + "-client-warm-up", w.model(), w.chat(), w.ignoreEos(),
                w.data(), new WorkloadSpec.Load(true, List.of(new WorkloadSpec.Stage(2000, seconds)), 0, 0));
        try (LoopbackPicker picker = new LoopbackPicker()) {
            LiveRun run = new LiveRun(warm, 1, seed + 1);
            long t0 = System.nanoTime();
            run.run(r -> new ExtProcDriver(r, picker.target(), connections == null ? 2 : connections, false,
                    warm.model()), false, 10);
            System.out.printf(Locale.ROOT, "client warm-up: %d requests to a loopback picker in %.1f s%n",
                    run.arrivals().size(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Runs the workload and writes the outputs; returns the summary. */
    public static Map<String, Object> run(WorkloadSpec workload, String mode, List<String> targets, long seed,
            double durationScale, String label, Integer connections, double drainSeconds, ExtProcSecurity security,
            Path out, boolean csv, boolean plots, String[] args) {
        LiveRun run = new LiveRun(workload, durationScale, seed);
        System.out.printf(Locale.ROOT, "live %s: workload %s, %d requests over %.1f s, target %s%n", mode,
                workload.name(), run.arrivals().size(), total(run.arrivals()), String.join(",", targets));
        ExtProcDriver[] extproc = new ExtProcDriver[1];
        long t0 = System.nanoTime();
        run.run(r -> {
            if (mode.equals("extproc")) {
                extproc[0] = new ExtProcDriver(r, targets.get(0), connections == null ? 2 : connections,
                        security == ExtProcSecurity.TLS_INSECURE, workload.model());
                return extproc[0];
            }
            List<URI> uris = targets.stream().map(URI::create).toList();
            return new HttpDriver(r, uris, true, connections == null ? 1024 : connections,
                    workload.load().requestTimeoutSeconds());
        }, !mode.equals("extproc"), drainSeconds);
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> summary = LiveSummary.of(run, label, mode, targets, seed,
                extproc[0] == null ? null : extproc[0].destinations());
        Outputs.writeJson(out.resolve("summary.json"), summary);
        if (csv) {
            writeCsv(out.resolve("requests.csv"), run.log());
        }
        if (plots) {
            Plots.write(out, workload.name() + " (live " + mode + ")", List.of(summary));
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("command", "bin/llmd-bench live " + String.join(" ", args));
        meta.put("workload", workload.name());
        meta.put("seed", seed);
        meta.put("mode", mode);
        meta.put("machine", Machine.describe());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("scheduler", label);
        r.put("wall_s", Summary.round(wall));
        r.put("requests", run.log().size);
        r.put("max_send_lag_s", Summary.round(run.maxSendLag()));
        meta.put("runs", List.of(r));
        Outputs.writeJson(out.resolve("run.json"), meta);
        print(summary);
        return summary;
    }

    /**
     * The model to send to every target: the requested one when all serve it, else one they all serve.
     *
     * @throws IllegalArgumentException when a target cannot be asked or serves nothing that fits
     */
    static String servedModel(String requested, boolean explicit, List<String> targets) {
        String chosen = requested;
        for (String t : targets) {
            List<String> served;
            try {
                served = ServedModels.fetch(URI.create(t), java.time.Duration.ofSeconds(10));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the models " + t + " serves: " + e.getMessage());
            }
            ServedModels.Choice c = ServedModels.choose(chosen, explicit || !chosen.equals(requested), served, t);
            if (c.note() != null) {
                System.out.println("note: " + c.note());
            }
            chosen = c.model();
        }
        return chosen;
    }

    private static WorkloadSpec withModel(WorkloadSpec w, String model) {
        return model.equals(w.model()) ? w
                : new WorkloadSpec(w.name(), model, w.chat(), w.ignoreEos(), w.data(), w.load());
    }

    private static ExtProcSecurity detectSecurity(String target) {
        String hostPort = target.replaceFirst("^[a-z]+://", "").replaceFirst("/$", "");
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--target for extproc mode is HOST:PORT, got '" + target + "'");
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        ExtProcSecurity s = ExtProcSecurity.detect(host, port, 5000);
        System.out.println("note: the ext_proc picker at " + hostPort + (s == ExtProcSecurity.TLS_INSECURE
                ? " speaks TLS; its certificate is not verified (a target on this machine; --plaintext or"
                        + " --tls-insecure to choose)"
                : " speaks plaintext (h2c)"));
        return s;
    }

    /** Registers the run written to {@code group/label} in {@code group/run.json} and redraws the combined plots. */
    @SuppressWarnings("unchecked")
    static void addToGroup(Path group, String label, WorkloadSpec workload, long seed, boolean plots, String[] args) {
        Map<String, Object> single = Outputs.readJson(group.resolve(label).resolve("run.json"));
        Path file = group.resolve("run.json");
        Map<String, Object> meta = Files.exists(file) ? Outputs.readJson(file) : new LinkedHashMap<>();
        if (meta.containsKey("workload") && !workload.name().equals(meta.get("workload"))) {
            throw new IllegalArgumentException(file + " holds runs of workload " + meta.get("workload") + ", not "
                    + workload.name());
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        if (meta.get("runs") instanceof List<?> l) {
            for (Object o : l) {
                Map<String, Object> r = (Map<String, Object>) o;
                if (!label.equals(r.get("scheduler"))) {
                    runs.add(r);
                    if (r.get("command") != null) {
                        commands.add(String.valueOf(r.get("command")));
                    }
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>(((List<Map<String, Object>>) single.get("runs")).get(0));
        String command = "bin/llmd-bench live " + String.join(" ", args);
        r.put("command", command);
        runs.add(r);
        commands.add(command);
        Map<String, Object> merged = new LinkedHashMap<>();
        merged.put("command", String.join("\n", commands));
        merged.put("workload", workload.name());
        merged.put("seed", seed);
        merged.put("machine", single.get("machine"));
        merged.put("runs", runs);
        Outputs.writeJson(file, merged);
        if (plots) {
            List<Map<String, Object>> summaries = new ArrayList<>();
            for (Map<String, Object> run : runs) {
                Path s = group.resolve(String.valueOf(run.get("scheduler"))).resolve("summary.json");
                if (Files.exists(s)) {
                    summaries.add(Outputs.readJson(s));
                }
            }
            Plots.write(group, workload.name() + " (live)", summaries);
        }
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> s) {
        Map<String, Object> ttft = (Map<String, Object>) s.get("ttft_s");
        System.out.printf(Locale.ROOT, "%-16s %d requests, %d completed, %d failed: %.1f req/s, %.0f out tok/s,"
                + " TTFT p50 %.4f s p90 %.4f s p99 %.4f s, hit rate %.1f%%, max send lag %.4f s%n",
                s.get("scheduler"), num(s.get("requests")), num(s.get("completed")), num(s.get("failed")),
                ((Number) s.get("requests_per_s")).doubleValue(),
                ((Number) s.get("output_tokens_per_s")).doubleValue(), ((Number) ttft.get("p50")).doubleValue(),
                ((Number) ttft.get("p90")).doubleValue(), ((Number) ttft.get("p99")).doubleValue(),
                100 * ((Number) s.get("kv_hit_rate")).doubleValue(),
                ((Number) s.get("max_send_lag_s")).doubleValue());
        Map<String, Object> x = (Map<String, Object>) s.get("extproc");
        if (x != null) {
            for (Map<String, Object> st : (List<Map<String, Object>>) x.get("stages")) {
                Map<String, Object> l = (Map<String, Object>) st.get("decision_latency_ms");
                System.out.printf(Locale.ROOT, "  stage %s (%s/s): %s decisions, %.0f decisions/s, latency ms p50 %.3f"
                        + " p90 %.3f p99 %.3f p999 %.3f max %.3f%n", st.get("stage"), st.get("rate"),
                        st.get("decisions"), ((Number) st.get("decisions_per_s")).doubleValue(),
                        ((Number) l.get("p50")).doubleValue(), ((Number) l.get("p90")).doubleValue(),
                        ((Number) l.get("p99")).doubleValue(), ((Number) l.get("p999")).doubleValue(),
                        ((Number) l.get("max")).doubleValue());
            }
        }
        Map<String, Object> errors = (Map<String, Object>) s.get("errors");
        if (errors != null && !errors.isEmpty()) {
            System.out.println("  failures by reason:");
            errors.forEach((reason, count) -> System.out.println("    " + count + " x " + reason));
        }
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    private static double total(Arrivals a) {
        double d = 0;
        for (double x : a.stageDuration()) {
            d += x;
        }
        return d;
    }

    /** requests.csv with sim's columns ({@link Outputs#CSV_HEADER}); {@code pod} is the target or destination index. */
    static void writeCsv(Path file, LiveLog log) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write(Outputs.CSV_HEADER);
                w.write('\n');
                StringBuilder sb = new StringBuilder(128);
                for (int i = 0; i < log.size; i++) {
                    sb.setLength(0);
                    boolean ok = log.status[i] == RequestLog.OK;
                    double ttft = log.firstToken[i] - log.sent[i];
                    double e2e = log.finish[i] - log.sent[i];
                    sb.append(i).append(',').append(log.stage[i]).append(',').append(log.group[i]).append(',')
                            .append(log.pod[i]).append(',').append(RequestLog.statusName(log.status[i])).append(',')
                            .append(fmt(log.arrival[i])).append(',').append(fmt(log.sent[i])).append(',')
                            .append(Double.isNaN(ttft) ? "" : fmt(ttft)).append(',')
                            .append(ok ? fmt(e2e) : "").append(',')
                            .append(ok && log.outputTokens[i] > 1 && !Double.isNaN(ttft)
                                    ? fmt((log.finish[i] - log.firstToken[i]) / (log.outputTokens[i] - 1))
                                    : "")
                            .append(',').append(log.promptTokens[i]).append(',').append(log.cachedTokens[i])
                            .append(',').append(log.outputTokens[i]).append('\n');
                    w.append(sb);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
