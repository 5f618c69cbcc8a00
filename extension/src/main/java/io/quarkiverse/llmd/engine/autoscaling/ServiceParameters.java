package io.quarkiverse.llmd.engine.autoscaling;

/**
 * The iteration-time model in its current form (reference 1.4.2): a fixed cost {@code alpha} per iteration, plus
 * per request in the batch a compute slope {@code beta} and a memory-access slope {@code gamma}.
 *
 * <pre>
 * tokensCompute = (I + O) / (O + 1)        tokensMemory = I + O/2
 * T_iter(n) = alpha + n * (beta * tokensCompute + gamma * tokensMemory)
 * T_pre(n)  = T_iter(n) + (beta + gamma) * I          (0 when I = 0)
 * T_dec(n)  = T_iter(n) + beta + gamma * (I + O/2)
 * service(n) = T_pre(n) + O * T_dec(n)
 * ITL  = (S - T_pre(B)) / O
 * TTFT = W + T_pre(B) + ITL
 * </pre>
 *
 * This is the form {@link ServiceTimeFit} calibrates: every prediction is linear in (alpha, beta, gamma).
 *
 * @param alpha milliseconds per iteration, independent of the batch
 * @param beta milliseconds per compute-weighted token
 * @param gamma milliseconds per memory-weighted token
 */
public record ServiceParameters(double alpha, double beta, double gamma) implements ServiceTimeModel {

    public ServiceParameters {
        requireNonNegative("alpha", alpha);
        requireNonNegative("beta", beta);
        requireNonNegative("gamma", gamma);
        if (alpha + beta + gamma <= 0) {
            throw new IllegalArgumentException("at least one of alpha, beta, gamma must be positive");
        }
    }

    static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + v);
        }
    }

    /** The iteration time at batch size {@code n}. */
    public double iterationMillis(double n, TokenMix mix) {
        double tokensCompute = (mix.promptTokens() + mix.outputTokens()) / (mix.outputTokens() + 1);
        double tokensMemory = mix.promptTokens() + mix.outputTokens() / 2;
        return alpha + n * (beta * tokensCompute + gamma * tokensMemory);
    }

    @Override
    public double prefillMillis(double n, TokenMix mix) {
        if (mix.promptTokens() == 0) {
            return 0;
        }
        return iterationMillis(n, mix) + (beta + gamma) * mix.promptTokens();
    }

    @Override
    public double decodeMillis(double n, TokenMix mix) {
        return iterationMillis(n, mix) + beta + gamma * (mix.promptTokens() + mix.outputTokens() / 2);
    }

    @Override
    public double serviceMillis(double n, TokenMix mix) {
        return prefillMillis(n, mix) + mix.outputTokens() * decodeMillis(n, mix);
    }

    @Override
    public Latency latency(double busy, double serviceMillis, double waitMillis, TokenMix mix) {
        double prefill = prefillMillis(busy, mix);
        double itl = (serviceMillis - prefill) / mix.outputTokens();
        return new Latency(waitMillis + prefill + itl, itl);
    }

    /**
     * The regressors of an observed decode step: {@code decodeMillis = alpha*x[0] + beta*x[1] + gamma*x[2]}.
     * Used by the calibration, which must predict exactly what this class computes.
     */
    static double[] decodeRegressors(double n, TokenMix mix) {
        double tokensCompute = (mix.promptTokens() + mix.outputTokens()) / (mix.outputTokens() + 1);
        double tokensMemory = mix.promptTokens() + mix.outputTokens() / 2;
        return new double[] { 1, n * tokensCompute + 1, n * tokensMemory + mix.promptTokens() + mix.outputTokens() / 2 };
    }

    /** The regressors of an observed prefill (0 prompt tokens has none: callers skip it). */
    static double[] prefillRegressors(double n, TokenMix mix) {
        double tokensCompute = (mix.promptTokens() + mix.outputTokens()) / (mix.outputTokens() + 1);
        double tokensMemory = mix.promptTokens() + mix.outputTokens() / 2;
        return new double[] { 1, n * tokensCompute + mix.promptTokens(), n * tokensMemory + mix.promptTokens() };
    }
}
