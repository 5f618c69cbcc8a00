package io.quarkiverse.llmd.engine.autoscaling;

/**
 * Least-squares fit of {@link ServiceParameters} to observed timings, online and with forgetting.
 *
 * <p>
 * Every observation is linear in (alpha, beta, gamma): a decode step {@code T_dec(n)} from a request's time per
 * output token, and a first token {@code T_pre(n) + T_dec(n)} from its TTFT minus its wait. The fit keeps only the
 * weighted normal equations (3 x 3), so memory is constant. Rows are weighted by {@code 1 / y^2}, making residuals
 * relative: a 2 ms error matters on a 20 ms step and not on a 2 s prefill.
 *
 * <p>
 * The solution is constrained to non-negative parameters by trying every subset of free parameters (seven
 * candidates) and keeping the feasible one with the least residual. The uncertainty, though, comes from the
 * unconstrained three-parameter posterior with a tiny ridge on the scaled system (a weak prior): directions the
 * data cannot tell apart (say every sample at one batch size) get a huge variance, which the confidence measure
 * reports, instead of trusting whichever split of the parameters the constraint happened to pick.
 */
final class ServiceTimeFit {

    /** Prior precision relative to the scaled (unit-diagonal) normal equations. */
    private static final double RIDGE = 1e-6;
    /** Residual variance floor (relative): timings are never believed to be better than 1 %. */
    private static final double NOISE_FLOOR = 1e-4;

    private final double forgetting;
    private final double[][] a = new double[3][3];
    private final double[] b = new double[3];
    private double yy;
    private double rows;

    ServiceTimeFit(double forgetting) {
        this.forgetting = forgetting;
    }

    /** Adds the timings of one completed request. */
    void add(RequestSample s) {
        TokenMix own = new TokenMix(s.promptTokens(), s.outputTokens());
        double n = s.batchSize();
        double[] decode = ServiceParameters.decodeRegressors(n, own);
        if (s.outputTokens() >= 2 && s.tpotSeconds() > 0) {
            add(decode, s.tpotSeconds() * 1000);
        }
        double firstMillis = (s.ttftSeconds() - s.waitSeconds()) * 1000;
        if (firstMillis > 0) {
            double[] first = decode.clone();
            if (s.promptTokens() > 0) {
                double[] prefill = ServiceParameters.prefillRegressors(n, own);
                for (int i = 0; i < 3; i++) {
                    first[i] += prefill[i];
                }
            }
            add(first, firstMillis);
        }
    }

    private void add(double[] x, double y) {
        for (int i = 0; i < 3; i++) {
            b[i] *= forgetting;
            for (int j = 0; j < 3; j++) {
                a[i][j] *= forgetting;
            }
        }
        yy *= forgetting;
        rows = rows * forgetting + 1;
        double w = 1 / (y * y);
        for (int i = 0; i < 3; i++) {
            b[i] += w * x[i] * y;
            for (int j = 0; j < 3; j++) {
                a[i][j] += w * x[i] * x[j];
            }
        }
        yy += w * y * y;
    }

    /** Effective number of observations. */
    double rows() {
        return rows;
    }

    /** The best non-negative fit, or {@code null} when there is none yet. */
    Result solve() {
        if (rows < 1) {
            return null;
        }
        double[] d = new double[3];
        for (int i = 0; i < 3; i++) {
            d[i] = a[i][i] > 0 ? 1 / Math.sqrt(a[i][i]) : 0;
        }
        double[] best = null;
        double bestResidual = Double.POSITIVE_INFINITY;
        for (int mask = 1; mask < 8; mask++) {
            double[] theta = solveSubset(mask, d);
            if (theta != null) {
                double r = residual(theta);
                if (r < bestResidual - 1e-12 * Math.max(1, yy)) {
                    best = theta;
                    bestResidual = r;
                }
            }
        }
        if (best == null) {
            return null;
        }
        double dof = rows - 3;
        double noise = dof > 0 ? Math.max(NOISE_FLOOR, bestResidual / dof) : Double.POSITIVE_INFINITY;
        double[][] cov = new double[3][3];
        double[][] inv = Matrices.invert(scaled(new int[] { 0, 1, 2 }, d));
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                cov[r][c] = inv == null ? Double.POSITIVE_INFINITY : noise * inv[r][c] * d[r] * d[c];
            }
        }
        return new Result(new ServiceParameters(best[0], best[1], best[2]), bestResidual, cov);
    }

    private double residual(double[] theta) {
        double residual = yy;
        for (int i = 0; i < 3; i++) {
            residual -= 2 * theta[i] * b[i];
            for (int j = 0; j < 3; j++) {
                residual += theta[i] * a[i][j] * theta[j];
            }
        }
        return Math.max(0, residual);
    }

    /** The ridged normal equations of the parameters {@code idx}, scaled to a unit diagonal. */
    private double[][] scaled(int[] idx, double[] d) {
        int k = idx.length;
        double[][] m = new double[k][k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                m[r][c] = a[idx[r]][idx[c]] * d[idx[r]] * d[idx[c]];
            }
            m[r][r] += RIDGE;
        }
        return m;
    }

    /** The ridged least-squares solution with only the parameters in {@code mask} free, or null if negative. */
    private double[] solveSubset(int mask, double[] d) {
        int[] idx = new int[Integer.bitCount(mask)];
        int k = 0;
        for (int i = 0; i < 3; i++) {
            if ((mask & (1 << i)) != 0) {
                if (d[i] == 0) {
                    return null;
                }
                idx[k++] = i;
            }
        }
        double[][] inv = Matrices.invert(scaled(idx, d));
        if (inv == null) {
            return null;
        }
        double[] theta = new double[3];
        for (int r = 0; r < k; r++) {
            double z = 0;
            for (int c = 0; c < k; c++) {
                z += inv[r][c] * b[idx[c]] * d[idx[c]];
            }
            theta[idx[r]] = z * d[idx[r]];
            if (theta[idx[r]] < 0) {
                return null;
            }
        }
        return theta[0] + theta[1] + theta[2] > 0 ? theta : null;
    }

    /**
     * A fit.
     *
     * @param parameters the non-negative least-squares parameters
     * @param residual their weighted (relative) residual sum of squares
     * @param covariance the posterior covariance of (alpha, beta, gamma)
     */
    record Result(ServiceParameters parameters, double residual, double[][] covariance) {

        /**
         * The largest relative standard error of the predicted decode step and first token at batch sizes 1 and
         * {@code maxBatch} for {@code mix}: the range the queueing model evaluates.
         */
        double relativeError(TokenMix mix, int maxBatch) {
            double worst = 0;
            for (double n : new double[] { 1, maxBatch }) {
                double[] decode = ServiceParameters.decodeRegressors(n, mix);
                double[] first = decode.clone();
                if (mix.promptTokens() > 0) {
                    double[] prefill = ServiceParameters.prefillRegressors(n, mix);
                    for (int i = 0; i < 3; i++) {
                        first[i] += prefill[i];
                    }
                }
                worst = Math.max(worst, relative(decode));
                worst = Math.max(worst, relative(first));
            }
            return worst;
        }

        private double relative(double[] x) {
            double mean = x[0] * parameters.alpha() + x[1] * parameters.beta() + x[2] * parameters.gamma();
            double var = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    var += x[i] * covariance[i][j] * x[j];
                }
            }
            if (!(mean > 0) || Double.isNaN(var)) {
                return Double.POSITIVE_INFINITY;
            }
            return Math.sqrt(Math.max(0, var)) / mean;
        }
    }
}
