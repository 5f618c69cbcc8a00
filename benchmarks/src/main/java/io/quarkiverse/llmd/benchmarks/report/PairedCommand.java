package io.quarkiverse.llmd.benchmarks.report;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import io.quarkiverse.llmd.benchmarks.sim.Outputs;

/**
 * {@code llmd-bench paired}: two schedulers of the same {@code llmd-bench sim} runs compared over several seeds, per
 * load stage and over the whole run, with a confidence interval of the paired difference. One run's stage p90s past
 * a saturation knee move by tens of percent from seed to seed, so a single seed (or three) cannot tell a systematic
 * loss from noise; the interval over paired seeds can.
 */
public final class PairedCommand {

    public static final String USAGE = """
            usage: llmd-bench paired --pair BASELINE:CANDIDATE [--pair ...] DIR DIR ...

              DIR: output directories of `llmd-bench sim` runs with several --scheduler, one directory per seed
              (DIR/<scheduler>/summary.json), at least two. For each pair, per load stage and for the whole run:
              the mean over the seeds of TTFT p90, output tokens/s and KV hit rate of both schedulers, the mean of
              the per-seed difference (candidate - baseline) with its 95% confidence interval (t distribution,
              seeds - 1 degrees of freedom) and a verdict: worse when the interval lies entirely on the candidate's
              worse side (higher TTFT, lower throughput, lower hit rate), better when entirely on the other,
              identical when no seed differs, else not distinguishable. Prints Markdown tables on stdout. A
              scheduler may appear in several pairs.
            """;

    private PairedCommand() {
    }

    /** A baseline scheduler and the candidate judged against it (names as in the sim's output directories). */
    record Pair(String baseline, String candidate) {
    }

    /**
     * One compared quantity of a period (a stage or the whole run): the published runs report TTFT p90 and output
     * throughput per stage; the KV hit rate says why they move.
     *
     * @param title the column title, with its unit
     * @param differenceUnit the unit of the difference column
     * @param value the quantity read from a period of a summary that {@link #check} accepted
     * @param higherIsWorse true for latencies, false for throughput and hit rates
     * @param meanFormat how a mean is printed
     * @param differenceDecimals decimals of the difference and its interval
     */
    record Metric(String title, String differenceUnit, ToDoubleFunction<Map<String, Object>> value,
            boolean higherIsWorse, String meanFormat, int differenceDecimals) {

        String formatMean(double v) {
            return String.format(Locale.ROOT, meanFormat, v);
        }
    }

    static final List<Metric> METRICS = List.of(
            new Metric("TTFT p90 (s)", "s", p -> number(map(p, "ttft_s"), "p90"), true, "%.2f", 2),
            new Metric("output tok/s", "tok/s", p -> number(p, "output_tokens_per_s"), false, "%.0f", 1),
            new Metric("KV hit rate", "pt", p -> 100 * number(p, "kv_hit_rate"), false, "%.1f%%", 2));

    public static int main(String[] args) {
        List<Pair> pairs = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pair" -> {
                    String value = i + 1 < args.length ? args[++i] : "";
                    int colon = value.indexOf(':');
                    if (colon <= 0 || colon == value.length() - 1 || value.indexOf(':', colon + 1) >= 0) {
                        System.err.println("error: --pair takes BASELINE:CANDIDATE (two scheduler names), got '"
                                + value + "'\n" + USAGE);
                        return 2;
                    }
                    pairs.add(new Pair(value.substring(0, colon), value.substring(colon + 1)));
                }
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> {
                    if (args[i].startsWith("--")) {
                        System.err.println("error: unknown option '" + args[i] + "'\n" + USAGE);
                        return 2;
                    }
                    dirs.add(Path.of(args[i]));
                }
            }
        }
        if (pairs.isEmpty() || dirs.size() < 2) {
            System.err.println("error: give at least one --pair and at least two run directories (one per seed)\n"
                    + USAGE);
            return 2;
        }
        try {
            // a scheduler in several pairs is read once
            Set<String> schedulers = new LinkedHashSet<>();
            for (Pair p : pairs) {
                schedulers.add(p.baseline());
                schedulers.add(p.candidate());
            }
            Map<String, List<Map<String, Object>>> runs = load(dirs, schedulers);
            StringBuilder md = new StringBuilder();
            for (Pair p : pairs) {
                render(md, p, runs);
            }
            System.out.print(md);
            return 0;
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Reads every scheduler's summary from every directory and checks that they can be paired: each directory holds
     * each scheduler, all summaries have the same workload and stage rates, every directory has one seed shared by
     * its schedulers, and no seed appears twice (a repeated seed would count one sample twice and narrow the
     * interval falsely). Returns each scheduler's summaries in the order of the directories.
     */
    static Map<String, List<Map<String, Object>>> load(List<Path> dirs, Set<String> schedulers) {
        Map<String, List<Map<String, Object>>> by = new LinkedHashMap<>();
        Map<Object, Path> seeds = new LinkedHashMap<>();
        String workload = null;
        List<Double> rates = null;
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + ": no such directory (the --out of `llmd-bench sim`)");
            }
            Object dirSeed = null;
            for (String name : schedulers) {
                Path file = dir.resolve(name).resolve("summary.json");
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException(dir + ": no " + name + "/summary.json (was the run made with"
                            + " --scheduler .../" + name + ".yaml and another --scheduler?)");
                }
                Map<String, Object> s = Outputs.readJson(file);
                check(file, s);
                String w = String.valueOf(s.get("workload"));
                List<Double> r = stages(s).stream().map(st -> number(st, "rate")).toList();
                if (workload == null) {
                    workload = w;
                    rates = r;
                } else if (!workload.equals(w) || !rates.equals(r)) {
                    throw new IllegalArgumentException(file + ": workload " + w + " with stage rates " + r
                            + " differs from the first run's (" + workload + ", " + rates + ")");
                }
                if (dirSeed == null) {
                    dirSeed = s.get("seed");
                } else if (!Objects.equals(dirSeed, s.get("seed"))) {
                    throw new IllegalArgumentException(dir + ": its schedulers ran with different seeds ("
                            + dirSeed + " and " + s.get("seed") + " in " + name + ")");
                }
                by.computeIfAbsent(name, k -> new ArrayList<>()).add(s);
            }
            Path earlier = seeds.putIfAbsent(dirSeed, dir);
            if (earlier != null) {
                throw new IllegalArgumentException(dir + " and " + earlier + " both ran seed " + dirSeed
                        + ": each seed may be counted once");
            }
        }
        return by;
    }

    /**
     * Fails with the file and the field when a summary lacks what the tables read, so that rendering cannot fail
     * halfway: a stages list of objects, and in it and at the top a TTFT p90 and a hit rate; a rate per stage.
     */
    static void check(Path file, Map<String, Object> summary) {
        checkPeriod(file, summary, "");
        if (!(summary.get("stages") instanceof List<?> stages) || stages.isEmpty()) {
            throw new IllegalArgumentException(file + ": 'stages' is missing or empty (not a `llmd-bench sim` summary?)");
        }
        for (int i = 0; i < stages.size(); i++) {
            String where = "stages[" + i + "].";
            if (!(stages.get(i) instanceof Map<?, ?> stage)) {
                throw new IllegalArgumentException(file + ": " + where.substring(0, where.length() - 1)
                        + " is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) stage;
            checkPeriod(file, st, where);
            if (!(st.get("rate") instanceof Number)) {
                throw new IllegalArgumentException(file + ": " + where + "rate is missing or not a number");
            }
        }
    }

    private static void checkPeriod(Path file, Map<String, Object> period, String where) {
        if (!(period.get("ttft_s") instanceof Map<?, ?> ttft) || !(ttft.get("p90") instanceof Number)) {
            throw new IllegalArgumentException(file + ": " + where + "ttft_s.p90 is missing or not a number");
        }
        for (String field : List.of("output_tokens_per_s", "kv_hit_rate")) {
            if (!(period.get(field) instanceof Number)) {
                throw new IllegalArgumentException(file + ": " + where + field + " is missing or not a number");
            }
        }
    }

    static void render(StringBuilder md, Pair pair, Map<String, List<Map<String, Object>>> runs) {
        List<Map<String, Object>> base = runs.get(pair.baseline());
        List<Map<String, Object>> cand = runs.get(pair.candidate());
        StringJoiner seedList = new StringJoiner(", ");
        base.forEach(s -> seedList.add(String.valueOf(s.get("seed"))));
        int n = base.size();
        md.append(String.format(Locale.ROOT, "#### `%s` (candidate) against `%s` (baseline), %d seeds (%s)\n\n",
                pair.candidate(), pair.baseline(), n, seedList));
        md.append(String.format(Locale.ROOT, "Means over the seeds, baseline / candidate; difference = candidate - "
                + "baseline, mean and 95%% CI over the seeds (t, %d df).\n\n", n - 1));
        StringBuilder header = new StringBuilder("| QPS |");
        StringBuilder rule = new StringBuilder("|---:|");
        for (Metric m : METRICS) {
            header.append(' ').append(m.title()).append(" | difference (").append(m.differenceUnit())
                    .append(") [95% CI] | verdict |");
            rule.append("---|---|---|");
        }
        md.append(header).append('\n').append(rule).append('\n');
        List<List<String>> worse = new ArrayList<>();
        METRICS.forEach(m -> worse.add(new ArrayList<>()));
        int stageCount = stages(base.get(0)).size();
        for (int st = 0; st < stageCount; st++) {
            int stage = st;
            String qps = formatRate(number(stages(base.get(0)).get(stage), "rate"));
            row(md, qps, qps + " QPS", base, cand, s -> stages(s).get(stage), worse);
        }
        row(md, "whole run", "whole run", base, cand, s -> s, worse);
        StringJoiner worseLists = new StringJoiner("; in ");
        for (int k = 0; k < METRICS.size(); k++) {
            worseLists.add(METRICS.get(k).title().replaceFirst(" \\(.*\\)$", "") + ": " + listOrNone(worse.get(k)));
        }
        md.append(String.format(Locale.ROOT, "\n`%s` worse (95%% CI) in %s.\n\n", pair.candidate(), worseLists));
    }

    /**
     * One table row; {@code name} is how the worse-lists below the table call the period, {@code worse} holds one
     * list per metric.
     */
    private static void row(StringBuilder md, String label, String name, List<Map<String, Object>> base,
            List<Map<String, Object>> cand, Function<Map<String, Object>, Map<String, Object>> period,
            List<List<String>> worse) {
        md.append("| ").append(label).append(" |");
        for (int k = 0; k < METRICS.size(); k++) {
            Metric m = METRICS.get(k);
            ToDoubleFunction<Map<String, Object>> f = s -> m.value().applyAsDouble(period.apply(s));
            PairedDifference d = PairedDifference.of(values(base, f), values(cand, f));
            PairedDifference.Verdict v = d.verdict(m.higherIsWorse());
            if (v == PairedDifference.Verdict.WORSE) {
                worse.get(k).add(name);
            }
            int dp = m.differenceDecimals();
            md.append(' ').append(m.formatMean(d.baselineMean())).append(" / ").append(m.formatMean(d.candidateMean()))
                    .append(" | ").append(signed(d.meanDifference(), dp)).append(" [").append(signed(d.low(), dp))
                    .append(", ").append(signed(d.high(), dp)).append("] | ").append(v.label()).append(" |");
        }
        md.append('\n');
    }

    private static double[] values(List<Map<String, Object>> summaries, ToDoubleFunction<Map<String, Object>> f) {
        double[] v = new double[summaries.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(summaries.get(i));
        }
        return v;
    }

    /** Two decimals with a sign; what rounds to zero prints as +0.00, not -0.00. */
    static String signed(double v) {
        return signed(v, 2);
    }

    /** {@code decimals} decimals with a sign; what rounds to zero prints with a plus sign, not as -0. */
    static String signed(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        double rounded = Math.round(v * scale) / scale;
        return String.format(Locale.ROOT, "%+." + decimals + "f", rounded == 0 ? 0.0 : rounded);
    }

    private static String listOrNone(List<String> labels) {
        return labels.isEmpty() ? "none" : String.join(", ", labels);
    }

    static String formatRate(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }

    // The accessors below read summaries that check() has accepted.

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> stages(Map<String, Object> summary) {
        return (List<Map<String, Object>>) summary.get("stages");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    private static double number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
