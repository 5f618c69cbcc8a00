package io.quarkiverse.llmd.engine.autoscaling;

/**
 * Allowed range of prefill replicas per decode replica for a disaggregated model. The optimizer sizes each role
 * from its own model first; this range then raises whichever side falls short (never lowers either).
 *
 * @param min lowest prefill/decode ratio, at least 0
 * @param max highest prefill/decode ratio, at least {@code min}
 */
public record PdRatio(double min, double max) {

    public PdRatio {
        if (!(min >= 0) || !(max >= min) || Double.isInfinite(min)) {
            throw new IllegalArgumentException("need 0 <= min <= max, got " + min + ".." + max);
        }
    }
}
