package io.quarkiverse.llmd.benchmarks.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkiverse.llmd.benchmarks.sim.scaling.Autoscaling;
import io.quarkiverse.llmd.benchmarks.sim.scaling.Fleet;
import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingPolicies;
import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingPolicy;
import io.quarkiverse.llmd.benchmarks.sim.scaling.StaticPolicy;
import io.quarkiverse.llmd.benchmarks.sim.scaling.VariantAutoscalerPolicy;
import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.PromptCorpus;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadException;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadParser;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;
import io.quarkiverse.llmd.engine.autoscaling.AutoscalerConfig;
import io.quarkiverse.llmd.engine.autoscaling.SloTargets;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;

/** {@code llmd-bench sim}: runs a workload through the cluster simulator with one or more schedulers. */
public final class SimCommand {

    public static final String USAGE = """
            usage: llmd-bench sim --workload W.yaml --scheduler S.yaml [--scheduler S2.yaml ...] [--cluster C.yaml]
                                  [--pods N] [--hardware H] [--kv-blocks N] [--block-size N] [--max-num-seqs N]
                                  [--max-num-batched-tokens N] [--seed N] --out DIR [--no-csv] [--no-plots]
                                  [--gateway-replicas N[,N...]] [--gateway-spread round-robin|random]
                                  [--kv-event-delay S] [--precise-index shared|per-replica]
                                  [--autoscaler A [--autoscaler A2 ...] [--min-replicas N] [--max-replicas N]
                                   [--initial-replicas N] [--static-replicas N] [--time-to-ready S]
                                   [--ttft-slo S] [--target-ttft S] [--target-itl S] [--trend-window S]
                                   [--backlog-drain S] [--stabilization-window S] [--earlier-days N]
                                   [--variant PROFILE:MIN:MAX:INITIAL:STATIC[:COST] ...] [--every-decision]]

              Simulates the workload (inference-perf format) against a cluster of simulated vLLM pods in virtual
              time, scheduling with each EndpointPickerConfig in turn. Flags override the cluster file.
              One scheduler: DIR/summary.json, DIR/requests.csv, DIR/*.png.
              Several: DIR/<scheduler>/summary.json and requests.csv, combined DIR/*.png.
              DIR/run.json records the command, the machine and the wall-clock time of each run.

              --gateway-replicas runs N gateways in front of the pods (each its own scheduler state: approximate
              prefix index, in-flight counters, flow control); a list runs each scheduler once per count, into
              DIR/<scheduler>-gw<N>/. Requests are spread round-robin (default) or at random (seeded).
              Configs with precise-prefix-cache-producer get the pods' KV events --kv-event-delay seconds after
              each engine step (default 0.01) in one index shared by the replicas (default, as with Redis) or one
              per replica. summary.json then has a "gateways" section: per-replica KV hit rate and TTFT.

              With --autoscaler the pool is one scale target (the cluster's hardware profile) that the strategy
              resizes in virtual time: static, saturation-v1, saturation-v2, keda-queue or variant-autoscaler.
              One --scheduler; DIR/<strategy>/summary.json (with an "autoscaling" section), combined
              DIR/replicas_over_time.png and DIR/ttft_p99_per_minute.png. Defaults: replicas 1..10, starting at the
              minimum, static at the maximum, time to ready 90.7 s, TTFT p99 SLO 5 s per minute, the variant
              autoscaler sized for a mean TTFT of 1 s and ITL of 80 ms, extrapolating the rate's rising trend
              over the last --trend-window seconds (300; 0 off) and serving a gateway backlog within
              --backlog-drain seconds (60; 0 off), releasing replicas once a lower target has held for
              --stabilization-window seconds (300; 0 at once). With --earlier-days N it starts with the arrival
              rates of N earlier runs of the workload in its memory of recurring demand, as if the same day had
              come N times before (arrivals drawn with seeds seed+1..seed+N; the workload's length, a whole number
              of minutes, is the day); default 0, nothing remembered. The variant autoscaler writes
              DIR/variant-autoscaler/decisions.txt: a line per decision that changed a variant's replicas (time,
              counts, reason, rate per replica, detail), or per decision of every variant with --every-decision.
              With --variant (repeated) the pool holds several variants of the model, one per hardware profile, each
              its own scale target with its bounds, initial and static replicas and cost (default: the profile's
              relative cost); ours and saturation-v2 size them together, the other strategies run one instance per
              variant. summary.json then reports the cost and the average replicas per variant.
            """;

    private SimCommand() {
    }

    public static int main(String[] args) {
        Path workloadFile = null;
        Path clusterFile = null;
        Path out = null;
        List<Path> schedulers = new ArrayList<>();
        long seed = 1;
        boolean csv = true;
        boolean plots = true;
        Integer pods = null;
        String hardware = null;
        Integer kvBlocks = null;
        Integer blockSize = null;
        Integer maxSeqs = null;
        Integer maxBatched = null;
        List<String> autoscalers = new ArrayList<>();
        List<ScalingPolicies.VariantOption> variantOptions = new ArrayList<>();
        int minReplicas = 1;
        int maxReplicas = 10;
        Integer initialReplicas = null;
        Integer staticReplicas = null;
        double timeToReady = Autoscaling.DEFAULT_TIME_TO_READY_SECONDS;
        double ttftSlo = 5;
        double targetTtft = 1;
        double trendWindow = AutoscalerConfig.DEFAULT_TREND_WINDOW.toSeconds();
        double backlogDrain = AutoscalerConfig.DEFAULT_BACKLOG_DRAIN_TIME.toSeconds();
        double stabilizationWindow = AutoscalerConfig.defaults().stabilizationWindow().toSeconds();
        double targetItl = 0.08;
        int earlierDays = 0;
        boolean everyDecision = false;
        List<Integer> gatewayReplicas = new ArrayList<>();
        GatewayOptions.Spread spread = GatewayOptions.Spread.ROUND_ROBIN;
        double kvEventDelay = GatewayOptions.SINGLE.kvEventDelaySeconds();
        PreciseIndexes.Sharing preciseIndex = PreciseIndexes.Sharing.SHARED;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--workload" -> workloadFile = Path.of(value(args, ++i, a));
                    case "--scheduler" -> schedulers.add(Path.of(value(args, ++i, a)));
                    case "--cluster" -> clusterFile = Path.of(value(args, ++i, a));
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                    case "--pods" -> pods = Integer.parseInt(value(args, ++i, a));
                    case "--hardware" -> hardware = value(args, ++i, a);
                    case "--kv-blocks" -> kvBlocks = Integer.parseInt(value(args, ++i, a));
                    case "--block-size" -> blockSize = Integer.parseInt(value(args, ++i, a));
                    case "--max-num-seqs" -> maxSeqs = Integer.parseInt(value(args, ++i, a));
                    case "--max-num-batched-tokens" -> maxBatched = Integer.parseInt(value(args, ++i, a));
                    case "--autoscaler" -> autoscalers.add(value(args, ++i, a));
                    case "--min-replicas" -> minReplicas = Integer.parseInt(value(args, ++i, a));
                    case "--max-replicas" -> maxReplicas = Integer.parseInt(value(args, ++i, a));
                    case "--initial-replicas" -> initialReplicas = Integer.parseInt(value(args, ++i, a));
                    case "--static-replicas" -> staticReplicas = Integer.parseInt(value(args, ++i, a));
                    case "--time-to-ready" -> timeToReady = Double.parseDouble(value(args, ++i, a));
                    case "--ttft-slo" -> ttftSlo = Double.parseDouble(value(args, ++i, a));
                    case "--target-ttft" -> targetTtft = Double.parseDouble(value(args, ++i, a));
                    case "--target-itl" -> targetItl = Double.parseDouble(value(args, ++i, a));
                    case "--variant" -> variantOptions.add(ScalingPolicies.VariantOption.parse(value(args, ++i, a)));
                    case "--trend-window" -> trendWindow = Double.parseDouble(value(args, ++i, a));
                    case "--backlog-drain" -> backlogDrain = Double.parseDouble(value(args, ++i, a));
                    case "--stabilization-window" -> stabilizationWindow = Double.parseDouble(value(args, ++i, a));
                    case "--earlier-days" -> earlierDays = Integer.parseInt(value(args, ++i, a));
                    case "--gateway-replicas" -> {
                        for (String n : value(args, ++i, a).split(",")) {
                            gatewayReplicas.add(Integer.parseInt(n.trim()));
                        }
                    }
                    case "--gateway-spread" -> spread = GatewayOptions.Spread.parse(value(args, ++i, a));
                    case "--kv-event-delay" -> kvEventDelay = Double.parseDouble(value(args, ++i, a));
                    case "--precise-index" -> preciseIndex = PreciseIndexes.Sharing.parse(value(args, ++i, a));
                    case "--no-csv" -> csv = false;
                    case "--no-plots" -> plots = false;
                    case "--every-decision" -> everyDecision = true;
                    case "-h", "--help" -> {
                        System.out.print(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (workloadFile == null || schedulers.isEmpty() || out == null) {
                throw new IllegalArgumentException("--workload, --scheduler and --out are required");
            }
            if (!autoscalers.isEmpty() && schedulers.size() != 1) {
                throw new IllegalArgumentException("--autoscaler compares strategies under one --scheduler");
            }
            for (String s : autoscalers) {
                if (!ScalingPolicies.NAMES.contains(s)) {
                    throw new IllegalArgumentException("unknown autoscaler '" + s + "', known: "
                            + ScalingPolicies.NAMES);
                }
            }
            if (gatewayReplicas.isEmpty()) {
                gatewayReplicas.add(1);
            }
            if (!autoscalers.isEmpty() && gatewayReplicas.size() != 1) {
                throw new IllegalArgumentException("--autoscaler takes one --gateway-replicas count");
            }
            for (int n : gatewayReplicas) {
                new GatewayOptions(n, spread, kvEventDelay, preciseIndex); // validates
            }
            if (!(trendWindow >= 0) || !(backlogDrain >= 0) || !(stabilizationWindow >= 0)
                    || Double.isInfinite(stabilizationWindow)) {
                throw new IllegalArgumentException(
                        "--trend-window, --backlog-drain and --stabilization-window must be finite and >= 0");
            }
            if (earlierDays < 0) {
                throw new IllegalArgumentException("--earlier-days must be >= 0, got " + earlierDays);
            }
            if (!(ttftSlo > 0)) {
                throw new IllegalArgumentException("--ttft-slo must be > 0");
            }
            if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
                throw new IllegalArgumentException("need 0 <= --min-replicas <= --max-replicas and --max-replicas >= 1,"
                        + " got " + minReplicas + ".." + maxReplicas);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        try {
            WorkloadSpec workload = WorkloadParser.parse(workloadFile);
            ClusterSpec cluster = clusterFile == null ? ClusterSpec.defaults() : ClusterSpec.parse(clusterFile);
            HardwareProfile hw = hardware == null ? cluster.hardware() : HardwareProfile.byName(hardware);
            if (hardware != null && kvBlocks == null && blockSize == null) {
                cluster = cluster.withHardware(hw);
            } else {
                cluster = cluster.withHardware(hw.withKv(kvBlocks == null ? cluster.hardware().kvBlocks() : kvBlocks,
                        blockSize == null ? cluster.hardware().blockSize() : blockSize));
            }
            if (pods != null) {
                cluster = cluster.withPods(pods);
            }
            if (maxSeqs != null || maxBatched != null) {
                cluster = cluster.withLimits(maxSeqs == null ? cluster.maxNumSeqs() : maxSeqs,
                        maxBatched == null ? cluster.maxNumBatchedTokens() : maxBatched);
            }
            if (!autoscalers.isEmpty()) {
                ScalingPolicies.Options options = new ScalingPolicies.Options(workload.model(), cluster.hardware(),
                        hw.relativeCost(), minReplicas, maxReplicas, staticReplicas == null ? maxReplicas
                                : staticReplicas, cluster.maxNumSeqs(), cluster.maxNumBatchedTokens(), timeToReady,
                        new SloTargets(targetTtft, targetItl), Duration.ofMillis(Math.round(trendWindow * 1000)),
                        Duration.ofMillis(Math.round(backlogDrain * 1000)),
                        Duration.ofMillis(Math.round(stabilizationWindow * 1000)),
                        earlierDays == 0 ? AutoscalerConfig.DEFAULT_RECURRENCE_PERIOD : day(workload));
                GatewayOptions gw = new GatewayOptions(gatewayReplicas.get(0), spread, kvEventDelay, preciseIndex);
                if (!variantOptions.isEmpty()) {
                    runFleet(workload, cluster, schedulers.get(0), autoscalers, options, variantOptions, ttftSlo, seed,
                            out, csv, plots, args, gw, new OursOptions(earlierDays, everyDecision));
                    return 0;
                }
                runScaled(workload, cluster, schedulers.get(0), autoscalers, options,
                        initialReplicas == null ? minReplicas : initialReplicas, ttftSlo, seed, out, csv, plots, args,
                        gw, new OursOptions(earlierDays, everyDecision));
                return 0;
            }
            run(workload, cluster, schedulers, seed, out, csv, plots, args, gatewayReplicas,
                    new GatewayOptions(1, spread, kvEventDelay, preciseIndex));
            return 0;
        } catch (WorkloadException | ConfigException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    static void run(WorkloadSpec workload, ClusterSpec cluster, List<Path> schedulerFiles, long seed, Path out,
            boolean csv, boolean plots, String[] args) {
        run(workload, cluster, schedulerFiles, seed, out, csv, plots, args, List.of(1), GatewayOptions.SINGLE);
    }

    static void run(WorkloadSpec workload, ClusterSpec cluster, List<Path> schedulerFiles, long seed, Path out,
            boolean csv, boolean plots, String[] args, List<Integer> gatewayReplicas, GatewayOptions gatewayOptions) {
        long resident = new PromptCorpus(workload, new java.util.SplittableRandom(seed)).residentTokens();
        long clusterKv = cluster.kvTokensPerPod() * cluster.pods();
        System.out.printf(Locale.ROOT, "workload %s, cluster %s: %d pods x %s, %d KV tokens/pod%s%n", workload.name(),
                cluster.name(), cluster.pods(), cluster.hardware().name(), cluster.kvTokensPerPod(),
                resident > 0 ? String.format(Locale.ROOT, ", shared-prefix working set %d tokens = %.0f%% of cluster KV",
                        resident, 100.0 * resident / clusterKv) : "");
        List<Map<String, Object>> summaries = new ArrayList<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        boolean several = schedulerFiles.size() > 1 || gatewayReplicas.size() > 1;
        boolean byReplicas = gatewayReplicas.size() > 1 || gatewayReplicas.get(0) > 1;
        for (Path file : schedulerFiles) {
            for (int replicas : gatewayReplicas) {
                String name = SchedulerConfigs.nameOf(file) + (byReplicas ? "-gw" + replicas : "");
                GatewayOptions options = gatewayOptions.withReplicas(replicas);
                // each gateway as the runtime builds it: admission, or flow control when the config's gate is on
                long t0 = System.nanoTime();
                GatewayRun run = ClusterSimulator.run(workload, cluster, ClusterSimulator.ConfigSource.of(file), name,
                        seed, null, options);
                RunResult result = run.result();
                double wall = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> summary = Summary.of(result);
                if (replicas > 1 || !run.kvEvents().isEmpty()) {
                    summary.put("gateways", GatewaySummary.of(run, options));
                }
                Path dir = several ? out.resolve(name) : out;
                Outputs.writeJson(dir.resolve("summary.json"), summary);
                if (csv) {
                    Outputs.writeCsv(dir.resolve("requests.csv"), result.log());
                }
                summaries.add(summary);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("scheduler", name);
                r.put("scheduler_config", file.toString());
                r.put("wall_s", Summary.round(wall));
                r.put("requests", result.log().size());
                r.put("events", result.events());
                r.put("engine_steps", result.engineSteps());
                r.put("simulated_requests_per_wall_s", Summary.round(result.log().size() / wall));
                runs.add(r);
                Map<?, ?> ttft = (Map<?, ?>) summary.get("ttft_s");
                System.out.printf(Locale.ROOT,
                        "%-16s %8d requests (%d failed) in %.1f s wall (%.0f req/s, %d events): %.0f out tok/s,"
                                + " TTFT p50 %.3f s p90 %.3f s, hit rate %.1f%%%n",
                        name, result.log().size(), ((Number) summary.get("failed")).intValue(), wall,
                        result.log().size() / wall, result.events(),
                        ((Number) summary.get("output_tokens_per_s")).doubleValue(), ((Number) ttft.get("p50")).doubleValue(),
                        ((Number) ttft.get("p90")).doubleValue(),
                        100 * ((Number) summary.get("kv_hit_rate")).doubleValue());
                if (summary.get("gateways") instanceof Map<?, ?> gw && replicas > 1) {
                    System.out.printf(Locale.ROOT, "%-16s %d gateway replicas: lowest per-replica hit rate %.1f%%%n", "",
                            replicas, 100 * ((Number) gw.get("min_replica_kv_hit_rate")).doubleValue());
                }
            }
        }
        if (plots) {
            Plots.write(out, workload.name(), summaries);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("command", "bin/llmd-bench sim " + String.join(" ", args));
        meta.put("workload", workload.name());
        meta.put("seed", seed);
        meta.put("machine", Machine.describe());
        meta.put("runs", runs);
        Outputs.writeJson(out.resolve("run.json"), meta);
    }

    static void runScaled(WorkloadSpec workload, ClusterSpec cluster, Path schedulerFile, List<String> strategies,
            ScalingPolicies.Options options, int initialReplicas, double ttftSlo, long seed, Path out, boolean csv,
            boolean plots, String[] args, GatewayOptions gatewayOptions, OursOptions oursOptions) {
        System.out.printf(Locale.ROOT, "workload %s: %s, replicas %d..%d from %d, time to ready %.1f s%n",
                workload.name(), cluster.hardware().name(), options.minReplicas(), options.maxReplicas(),
                initialReplicas, options.timeToReadySeconds());
        compare(workload, cluster, schedulerFile, strategies, strategy -> {
            ScalingPolicy policy = ScalingPolicies.create(strategy, options);
            int initial = policy instanceof StaticPolicy st ? st.replicas() : initialReplicas;
            // a static pool may be larger than the others' maximum (provisioning for a peak they cannot reach)
            boolean fixed = policy instanceof StaticPolicy;
            return Fleet.of(new Autoscaling(policy, fixed ? Math.min(options.minReplicas(), initial)
                    : options.minReplicas(), fixed ? Math.max(options.maxReplicas(), initial) : options.maxReplicas(),
                    initial, options.timeToReadySeconds()), cluster.hardware());
        }, ttftSlo, seed, out, csv, plots, args, gatewayOptions, oursOptions);
    }

    static void runFleet(WorkloadSpec workload, ClusterSpec cluster, Path schedulerFile, List<String> strategies,
            ScalingPolicies.Options options, List<ScalingPolicies.VariantOption> variants, double ttftSlo, long seed,
            Path out, boolean csv, boolean plots, String[] args, GatewayOptions gatewayOptions,
            OursOptions oursOptions) {
        StringBuilder b = new StringBuilder();
        for (ScalingPolicies.VariantOption v : variants) {
            b.append(String.format(Locale.ROOT, " %s (cost %.2f, %d..%d from %d, static %d)", v.hardware().name(),
                    v.cost(), v.min(), v.max(), v.initial(), v.staticReplicas()));
        }
        System.out.printf(Locale.ROOT, "workload %s:%s, time to ready %.1f s%n", workload.name(), b,
                options.timeToReadySeconds());
        compare(workload, cluster, schedulerFile, strategies, s -> ScalingPolicies.fleet(s, options, variants),
                ttftSlo, seed, out, csv, plots, args, gatewayOptions, oursOptions);
    }

    /**
     * What only the variant autoscaler takes.
     *
     * @param earlierDays earlier runs of the workload it remembers
     * @param everyDecision whether its decisions.txt lists every decision or only those that changed replicas
     */
    record OursOptions(int earlierDays, boolean everyDecision) {
    }

    /** The workload's length as the day its earlier runs recur with; it must be a whole number of minutes. */
    private static Duration day(WorkloadSpec workload) {
        double length = workload.load().totalDuration();
        if (length < 60 || Math.abs(length / 60 - Math.rint(length / 60)) > 1e-9) {
            throw new IllegalArgumentException("--earlier-days needs a workload whose length is a whole number of"
                    + " minutes, " + workload.name() + " lasts " + length + " s");
        }
        return Duration.ofMinutes(Math.round(length / 60));
    }

    private static void compare(WorkloadSpec workload, ClusterSpec cluster, Path schedulerFile,
            List<String> strategies, java.util.function.Function<String, Fleet> fleetFor, double ttftSlo, long seed,
            Path out, boolean csv, boolean plots, String[] args, GatewayOptions gatewayOptions,
            OursOptions oursOptions) {
        List<ScaledRun> results = new ArrayList<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String strategy : strategies) {
            Fleet fleet = fleetFor.apply(strategy);
            String name = fleet.policy().name();
            if (fleet.policy() instanceof VariantAutoscalerPolicy ours) {
                if (oursOptions.earlierDays() > 0) {
                    ours.rememberEarlierRuns(workload.load(), oursOptions.earlierDays(), seed);
                }
                ours.logEveryDecision(oursOptions.everyDecision());
            }
            long t0 = System.nanoTime();
            GatewayRun gwRun = ClusterSimulator.runFleet(workload, cluster,
                    ClusterSimulator.ConfigSource.of(schedulerFile), SchedulerConfigs.nameOf(schedulerFile), seed,
                    fleet, gatewayOptions);
            ScaledRun run = new ScaledRun(gwRun.result(), gwRun.trace());
            double wall = (System.nanoTime() - t0) / 1e9;
            results.add(run);
            Map<String, Object> summary = Summary.of(run.result());
            Map<String, Object> scaled = ScalingSummary.of(run, ttftSlo);
            summary.put("autoscaling", scaled);
            if (gwRun.replicas() > 1 || !gwRun.kvEvents().isEmpty()) {
                summary.put("gateways", GatewaySummary.of(gwRun, gatewayOptions));
            }
            Path dir = out.resolve(name);
            Outputs.writeJson(dir.resolve("summary.json"), summary);
            if (csv) {
                Outputs.writeCsv(dir.resolve("requests.csv"), run.result().log());
            }
            if (fleet.policy() instanceof VariantAutoscalerPolicy ours) {
                try {
                    Files.write(dir.resolve("decisions.txt"), ours.changes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("autoscaler", name);
            r.put("wall_s", Summary.round(wall));
            r.put("requests", run.result().log().size());
            r.put("events", run.result().events());
            runs.add(r);
            System.out.printf(Locale.ROOT,
                    "%-20s %6d requests, %5d errors, TTFT p50 %.2f s p99 %.2f s, SLO minutes %d/%d,"
                            + " avg replicas %.2f (peak %d), %.2f replica-hours, cost %.2f%s, %.1f s wall%n",
                    name, run.result().log().size(), scaled.get("errors"), scaled.get("ttft_p50_s"),
                    scaled.get("ttft_p99_s"), scaled.get("slo_minutes_met"), scaled.get("minutes"),
                    scaled.get("avg_replicas"), scaled.get("peak_replicas"), scaled.get("replica_hours"),
                    scaled.get("cost"), scaled.containsKey("avg_replicas_by_variant")
                            ? " " + scaled.get("avg_replicas_by_variant") : "",
                    wall);
        }
        if (plots) {
            ScalingPlots.write(out, workload.name(), results, ttftSlo);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("command", "bin/llmd-bench sim " + String.join(" ", args));
        meta.put("workload", workload.name());
        meta.put("seed", seed);
        meta.put("machine", Machine.describe());
        meta.put("runs", runs);
        Outputs.writeJson(out.resolve("run.json"), meta);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
