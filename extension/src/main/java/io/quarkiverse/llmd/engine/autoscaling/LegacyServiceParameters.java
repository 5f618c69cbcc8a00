package io.quarkiverse.llmd.engine.autoscaling;

/**
 * The legacy service-time form (reference 1.4.1), as benchmarked profiles of older autoscalers carry it: linear
 * inter-token latency in the batch size and a prefill linear in prompt tokens times batch size.
 *
 * <pre>
 * T_dec(n) = alpha + beta * n
 * T_pre(n) = gamma + delta * I * n                 (0 when I = 0)
 * service(n) = T_pre(n) + (O - 1) * T_dec(n)
 * n_eff solves service(n_eff) = S;  TTFT = W + T_pre(n_eff);  ITL = T_dec(n_eff)
 * </pre>
 *
 * @param alpha decode milliseconds at batch size 0
 * @param beta decode milliseconds per request in the batch
 * @param gamma prefill milliseconds, fixed part
 * @param delta prefill milliseconds per prompt token per request in the batch
 */
public record LegacyServiceParameters(double alpha, double beta, double gamma, double delta)
        implements ServiceTimeModel {

    public LegacyServiceParameters {
        ServiceParameters.requireNonNegative("alpha", alpha);
        ServiceParameters.requireNonNegative("beta", beta);
        ServiceParameters.requireNonNegative("gamma", gamma);
        ServiceParameters.requireNonNegative("delta", delta);
        if (alpha + beta <= 0) {
            throw new IllegalArgumentException("alpha + beta must be positive");
        }
    }

    @Override
    public double prefillMillis(double n, TokenMix mix) {
        if (mix.promptTokens() == 0) {
            return 0;
        }
        return gamma + delta * mix.promptTokens() * n;
    }

    @Override
    public double decodeMillis(double n, TokenMix mix) {
        return alpha + beta * n;
    }

    @Override
    public double serviceMillis(double n, TokenMix mix) {
        // A request without prompt and with one output token is one decode step.
        if (mix.promptTokens() == 0 && mix.outputTokens() == 1) {
            return decodeMillis(n, mix);
        }
        return prefillMillis(n, mix) + (mix.outputTokens() - 1) * decodeMillis(n, mix);
    }

    @Override
    public Latency latency(double busy, double serviceMillis, double waitMillis, TokenMix mix) {
        // The effective concurrency is the batch size at which one request's service time equals the solved one.
        double decodeSteps = mix.outputTokens() - 1;
        double fixed = (mix.promptTokens() == 0 ? 0 : gamma) + alpha * decodeSteps;
        double slope = (mix.promptTokens() == 0 ? 0 : delta * mix.promptTokens()) + beta * decodeSteps;
        double nEff = slope > 0 ? Math.max(0, (serviceMillis - fixed) / slope) : busy;
        return new Latency(waitMillis + prefillMillis(nEff, mix), decodeMillis(nEff, mix));
    }
}
