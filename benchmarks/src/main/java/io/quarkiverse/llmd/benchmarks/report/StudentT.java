package io.quarkiverse.llmd.benchmarks.report;

/**
 * Quantiles of Student's t distribution for whole degrees of freedom, for confidence intervals over a handful of
 * seeds. For an integer df, P(|T| &lt; t) has a closed form as a finite series in θ = atan(t / √df) (a sine series
 * for even df, θ plus a sine-cosine series for odd df), so no special-function library is needed; the quantile is
 * that probability inverted by bisection.
 */
public final class StudentT {

    private StudentT() {
    }

    /**
     * The t with P(|T| &lt; t) = {@code confidence} for {@code df} degrees of freedom: the half-width factor of a
     * two-sided confidence interval (2.262 for 95% and 9 df).
     */
    public static double twoSidedQuantile(double confidence, int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be at least 1, got " + df);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be between 0 and 1, got " + confidence);
        }
        double lo = 0;
        double hi = 1;
        while (centralProbability(hi, df) < confidence) {
            hi *= 2;
        }
        // 200 halvings take any bracket below one ulp of the quantile
        for (int i = 0; i < 200 && hi - lo > Math.ulp(hi); i++) {
            double mid = (lo + hi) / 2;
            if (centralProbability(mid, df) < confidence) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(|T| &lt; t) for {@code t >= 0} and {@code df} degrees of freedom. */
    static double centralProbability(double t, int df) {
        double cos2 = df / (df + t * t);
        double sin = t / Math.sqrt(df + t * t);
        if (df % 2 == 0) {
            // sinθ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ... up to cos^(df-2)θ)
            double term = 1;
            double sum = 1;
            for (int k = 1; k <= (df - 2) / 2; k++) {
                term *= (2.0 * k - 1) / (2.0 * k) * cos2;
                sum += term;
            }
            return sin * sum;
        }
        double theta = Math.atan(t / Math.sqrt(df));
        if (df == 1) {
            return 2 * theta / Math.PI;
        }
        // 2/π (θ + sinθ cosθ (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + ... up to cos^(df-3)θ))
        double term = 1;
        double sum = 1;
        for (int k = 1; k <= (df - 3) / 2; k++) {
            term *= (2.0 * k) / (2.0 * k + 1) * cos2;
            sum += term;
        }
        return 2 / Math.PI * (theta + sin * Math.sqrt(cos2) * sum);
    }
}
