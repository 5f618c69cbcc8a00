package io.quarkiverse.llmd.engine.autoscaling;

/**
 * Latency targets a replica must meet, as means (the queueing model predicts means). 0 means "no target".
 *
 * @param ttftSeconds time to first token, waiting included
 * @param itlSeconds inter-token latency (time per output token)
 */
public record SloTargets(double ttftSeconds, double itlSeconds) {

    public SloTargets {
        ServiceParameters.requireNonNegative("ttftSeconds", ttftSeconds);
        ServiceParameters.requireNonNegative("itlSeconds", itlSeconds);
    }

    /** The same targets without the inter-token one: a prefill-only replica emits a single token. */
    public SloTargets ttftOnly() {
        return new SloTargets(ttftSeconds, 0);
    }
}
