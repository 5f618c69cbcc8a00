package io.quarkiverse.llmd.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkiverse.llmd.benchmarks.sim.Outputs;

/** Seed-paired comparison of two schedulers: the statistics and the command over sim output directories. */
class PairedCommandTest {

    @Test
    void tQuantilesMatchThePublishedTable() {
        // two-sided 95% critical values of Student's t (any statistics table)
        assertThat(StudentT.twoSidedQuantile(0.95, 1)).isCloseTo(12.706, within(0.001));
        assertThat(StudentT.twoSidedQuantile(0.95, 2)).isCloseTo(4.303, within(0.001));
        assertThat(StudentT.twoSidedQuantile(0.95, 9)).isCloseTo(2.262, within(0.001));
        assertThat(StudentT.twoSidedQuantile(0.95, 10)).isCloseTo(2.228, within(0.001));
        assertThat(StudentT.twoSidedQuantile(0.95, 29)).isCloseTo(2.045, within(0.001));
        assertThat(StudentT.twoSidedQuantile(0.99, 9)).isCloseTo(3.250, within(0.001));
        assertThat(StudentT.twoSidedQuantile(0.95, 10_000)).isCloseTo(1.960, within(0.001));
        assertThatThrownBy(() -> StudentT.twoSidedQuantile(0.95, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void intervalOfThePairedDifference() {
        // differences 1, 2, 2: mean 5/3, standard error 1/3, half-width 4.303 / 3
        PairedDifference d = PairedDifference.of(new double[] { 1, 2, 3 }, new double[] { 2, 4, 5 });
        assertThat(d.seeds()).isEqualTo(3);
        assertThat(d.baselineMean()).isCloseTo(2, within(1e-12));
        assertThat(d.candidateMean()).isCloseTo(11.0 / 3, within(1e-12));
        assertThat(d.meanDifference()).isCloseTo(5.0 / 3, within(1e-12));
        assertThat(d.low()).isCloseTo(5.0 / 3 - 4.3027 / 3, within(1e-4));
        assertThat(d.high()).isCloseTo(5.0 / 3 + 4.3027 / 3, within(1e-4));
        assertThat(d.verdict(true)).isEqualTo(PairedDifference.Verdict.WORSE);
        assertThat(d.verdict(false)).isEqualTo(PairedDifference.Verdict.BETTER);
    }

    @Test
    void pairingSeesASmallSteadyLossUnderLargeSeedToSeedSpread() {
        // seeds move both configurations by tens of seconds; the candidate is 0.5 s to 0.7 s slower on each
        double[] base = { 10, 40, 25, 70, 15 };
        double[] cand = { 10.6, 40.5, 25.7, 70.5, 15.6 };
        assertThat(PairedDifference.of(base, cand).verdict(true)).isEqualTo(PairedDifference.Verdict.WORSE);
        // the same means with the per-seed order scrambled are noise, not a loss
        double[] shuffled = { 40.5, 10.6, 70.5, 15.6, 25.7 };
        assertThat(PairedDifference.of(base, shuffled).verdict(true))
                .isEqualTo(PairedDifference.Verdict.NOT_DISTINGUISHABLE);
    }

    @Test
    void equalOnEverySeedIsIdenticalNotMerelyIndistinguishable() {
        PairedDifference same = PairedDifference.of(new double[] { 0.5, 0.7 }, new double[] { 0.5, 0.7 });
        assertThat(same.verdict(true)).isEqualTo(PairedDifference.Verdict.IDENTICAL);
        PairedDifference cancelling = PairedDifference.of(new double[] { 0.5, 0.7 }, new double[] { 0.6, 0.6 });
        assertThat(cancelling.meanDifference()).isCloseTo(0, within(1e-12));
        assertThat(cancelling.verdict(true)).isEqualTo(PairedDifference.Verdict.NOT_DISTINGUISHABLE);
        assertThat(PairedCommand.signed(-0.001)).isEqualTo("+0.00");
        assertThat(PairedCommand.signed(-0.006)).isEqualTo("-0.01");
    }

    @Test
    void oneSeedIsNotEnoughForAnInterval() {
        assertThatThrownBy(() -> PairedDifference.of(new double[] { 1 }, new double[] { 2 }))
                .hasMessageContaining("at least 2 seeds");
    }

    @Test
    void commandPrintsOneRowPerStageAndTheWholeRun(@TempDir Path dir) {
        // stage 0: candidate lower TTFT on every seed; stage 1: candidate higher on every seed; hit rates equal-ish
        Path s1 = run(dir, 1, new double[][] { { 1.0, 0.8 }, { 5.0, 6.0 } }, 0.95, 0.95);
        Path s2 = run(dir, 2, new double[][] { { 1.2, 1.0 }, { 7.0, 8.1 } }, 0.95, 0.96);
        Path s3 = run(dir, 3, new double[][] { { 0.9, 0.7 }, { 4.0, 4.9 } }, 0.96, 0.95);
        Result r = invoke("--pair", "approx:precise", s1.toString(), s2.toString(), s3.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("#### `precise` (candidate) against `approx` (baseline), 3 seeds (1, 2, 3)")
                .contains("| QPS | TTFT p90 (s) | difference (s) [95% CI] | verdict | output tok/s | difference (tok/s)"
                        + " [95% CI] | verdict | KV hit rate | difference (pt) [95% CI] | verdict |")
                // output tok/s is 1000 / p90 in these runs: lower TTFT, higher throughput
                .contains("| 3 | 1.03 / 0.83 | -0.20 [-0.20, -0.20] | better | 981 / 1226 | +244.7 [+57.1, +432.4] "
                        + "| better | 95.3% / 95.3% | +0.00 [-2.48, +2.48] | not distinguishable |")
                // a mean difference of -32.9 tok/s, but the interval reaches +0.07: not distinguishable
                .contains("| 10 | 5.33 / 6.33 | +1.00 [+0.75, +1.25] | **worse** | 198 / 165 | -32.9 [-65.8, +0.1] "
                        + "| not distinguishable |")
                .contains("| whole run | 5.33 / 6.33 | +1.00 [+0.75, +1.25] | **worse** |")
                .contains("`precise` worse (95% CI) in TTFT p90: 10 QPS, whole run; in output tok/s: none;"
                        + " in KV hit rate: none.");
    }

    @Test
    void aSchedulerInSeveralPairsIsCountedOncePerSeed(@TempDir Path dir) {
        Path s1 = run(dir, 1, new double[][] { { 1.0, 2.0 } }, 0.9, 0.9);
        Path s2 = run(dir, 2, new double[][] { { 3.0, 4.0 } }, 0.9, 0.9);
        Result r = invoke("--pair", "approx:precise", "--pair", "precise:approx", s1.toString(), s2.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("2 seeds (1, 2)")
                .contains("| 3 | 2.00 / 3.00 | +1.00 [+1.00, +1.00] | **worse** |")
                .contains("| 3 | 3.00 / 2.00 | -1.00 [-1.00, -1.00] | better |");
    }

    @Test
    void aSeedGivenTwiceIsRefused(@TempDir Path dir) {
        Path a = run(dir.resolve("a"), 7, new double[][] { { 1, 1 } }, 0.9, 0.9);
        Path b = run(dir.resolve("b"), 7, new double[][] { { 2, 2 } }, 0.9, 0.9);
        Result r = invoke("--pair", "approx:precise", a.toString(), b.toString());
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).contains("both ran seed 7").contains("each seed may be counted once");
    }

    @Test
    void aMissingSchedulerOrBadPairIsAClearError(@TempDir Path dir) {
        Path a = run(dir, 1, new double[][] { { 1, 1 } }, 0.9, 0.9);
        Path b = run(dir, 2, new double[][] { { 1, 1 } }, 0.9, 0.9);
        Result missing = invoke("--pair", "approx:other", a.toString(), b.toString());
        assertThat(missing.rc()).isEqualTo(1);
        assertThat(missing.err()).contains(a + ": no other/summary.json");
        Result badPair = invoke("--pair", "approx", a.toString(), b.toString());
        assertThat(badPair.rc()).isEqualTo(2);
        assertThat(badPair.err()).contains("--pair takes BASELINE:CANDIDATE");
        Result oneRun = invoke("--pair", "approx:precise", a.toString());
        assertThat(oneRun.rc()).isEqualTo(2);
        assertThat(oneRun.err()).contains("at least two run directories");
    }

    @Test
    void aSummaryWithoutTheFieldsReadIsRefusedWithFileAndField(@TempDir Path dir) {
        Path a = run(dir, 1, new double[][] { { 1, 1 }, { 2, 2 } }, 0.9, 0.9);
        Path b = run(dir, 2, new double[][] { { 1, 1 }, { 2, 2 } }, 0.9, 0.9);
        Path broken = b.resolve("precise").resolve("summary.json");
        Map<String, Object> summary = Outputs.readJson(broken);
        @SuppressWarnings("unchecked")
        Map<String, Object> stage1 = ((List<Map<String, Object>>) summary.get("stages")).get(1);
        stage1.put("kv_hit_rate", "high");
        Outputs.writeJson(broken, summary);
        Result r = invoke("--pair", "approx:precise", a.toString(), b.toString());
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).contains(broken + ": stages[1].kv_hit_rate is missing or not a number");
        assertThat(r.out()).isEmpty();
    }

    /**
     * A sim output directory for one seed with schedulers "approx" and "precise": {@code p90[stage] = {approx,
     * precise}}, stage rates 3, 10, ...; output tokens/s is 1000 / p90; the whole run's values are the last stage's.
     */
    private static Path run(Path parent, int seed, double[][] p90, double approxHit, double preciseHit) {
        Path dir = parent.resolve("seed" + seed);
        double[] rates = { 3, 10, 15 };
        for (int k = 0; k < 2; k++) {
            String name = k == 0 ? "approx" : "precise";
            double hit = k == 0 ? approxHit : preciseHit;
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("scheduler", name);
            summary.put("workload", "w");
            summary.put("seed", seed);
            summary.put("ttft_s", Map.of("p90", p90[p90.length - 1][k]));
            summary.put("output_tokens_per_s", 1000 / p90[p90.length - 1][k]);
            summary.put("kv_hit_rate", hit);
            Object[] stages = new Object[p90.length];
            for (int s = 0; s < p90.length; s++) {
                stages[s] = Map.of("stage", s, "rate", rates[s], "ttft_s", Map.of("p90", p90[s][k]),
                        "output_tokens_per_s", 1000 / p90[s][k], "kv_hit_rate", hit);
            }
            summary.put("stages", List.of(stages));
            Outputs.writeJson(dir.resolve(name).resolve("summary.json"), summary);
        }
        return dir;
    }

    private record Result(int rc, String out, String err) {
    }

    private static Result invoke(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = PairedCommand.main(args);
            return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
