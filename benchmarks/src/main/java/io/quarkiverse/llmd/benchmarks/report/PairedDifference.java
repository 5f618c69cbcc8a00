package io.quarkiverse.llmd.benchmarks.report;

/**
 * One metric of two configurations measured on the same seeds: the means of each and the mean of the per-seed
 * differences (candidate − baseline) with its two-sided 95% confidence interval from the t distribution (n − 1 df).
 * Pairing by seed removes what a seed does to both configurations alike (the same arrivals and prompts), so the
 * interval is that of the difference, not of two independent means.
 *
 * @param seeds number of seeds (pairs)
 * @param baselineMean mean of the baseline over the seeds
 * @param candidateMean mean of the candidate over the seeds
 * @param meanDifference mean of candidate − baseline
 * @param low lower end of the 95% interval of the mean difference
 * @param high upper end of the 95% interval of the mean difference
 * @param identical whether candidate and baseline are equal on every seed (the same decisions, as far as the metric
 *        shows)
 */
public record PairedDifference(int seeds, double baselineMean, double candidateMean, double meanDifference, double low,
        double high, boolean identical) {

    static final double CONFIDENCE = 0.95;

    /** The paired difference of {@code candidate[i] − baseline[i]}; at least two seeds (an interval needs them). */
    public static PairedDifference of(double[] baseline, double[] candidate) {
        int n = baseline.length;
        if (candidate.length != n) {
            throw new IllegalArgumentException("not paired: " + n + " baseline values, " + candidate.length
                    + " candidate values");
        }
        if (n < 2) {
            throw new IllegalArgumentException("a confidence interval needs at least 2 seeds, got " + n);
        }
        double sumBase = 0;
        double sumCand = 0;
        double sumDiff = 0;
        boolean identical = true;
        for (int i = 0; i < n; i++) {
            identical &= candidate[i] == baseline[i];
            sumBase += baseline[i];
            sumCand += candidate[i];
            sumDiff += candidate[i] - baseline[i];
        }
        double mean = sumDiff / n;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double d = candidate[i] - baseline[i] - mean;
            squares += d * d;
        }
        double standardError = Math.sqrt(squares / (n - 1) / n);
        double half = StudentT.twoSidedQuantile(CONFIDENCE, n - 1) * standardError;
        return new PairedDifference(n, sumBase / n, sumCand / n, mean, mean - half, mean + half, identical);
    }

    /**
     * Whether the candidate is worse, better or neither at 95%: worse when the whole interval lies on the worse
     * side of zero; identical when no seed differs at all. {@code higherIsWorse} is true for latencies, false for hit rates.
     */
    public Verdict verdict(boolean higherIsWorse) {
        if (identical) {
            return Verdict.IDENTICAL;
        }
        if (low > 0) {
            return higherIsWorse ? Verdict.WORSE : Verdict.BETTER;
        }
        if (high < 0) {
            return higherIsWorse ? Verdict.BETTER : Verdict.WORSE;
        }
        return Verdict.NOT_DISTINGUISHABLE;
    }

    /** The candidate against the baseline on one metric. */
    public enum Verdict {
        WORSE("**worse**"),
        BETTER("better"),
        NOT_DISTINGUISHABLE("not distinguishable"),
        IDENTICAL("identical on every seed");

        private final String label;

        Verdict(String label) {
            this.label = label;
        }

        /** As printed in the Markdown table (worse in bold, so that it stands out). */
        public String label() {
            return label;
        }
    }
}
