package io.quarkiverse.llmd.engine.autoscaling;

/**
 * How long a model server's iterations take as a function of the batch size, for a given token mix (reference
 * autoscaler-kserve-knative.md 1.4.1, 1.4.2). All times in milliseconds; the batch size may be fractional because
 * the queueing model evaluates it at a mean occupancy.
 */
public sealed interface ServiceTimeModel permits ServiceParameters, LegacyServiceParameters {

    /** Time to prefill one request's prompt while {@code n} requests share the batch; 0 for an empty prompt. */
    double prefillMillis(double n, TokenMix mix);

    /** Time of one decode step (one output token, the inter-token latency) at batch size {@code n}. */
    double decodeMillis(double n, TokenMix mix);

    /** Time one request occupies its batch slot from start to last token when {@code n} requests share the batch. */
    double serviceMillis(double n, TokenMix mix);

    /**
     * Per-token latencies of a replica whose queue was solved: mean busy slots {@code busy}, mean time in a slot
     * {@code serviceMillis} and mean wait before a slot {@code waitMillis}.
     */
    Latency latency(double busy, double serviceMillis, double waitMillis, TokenMix mix);

    /**
     * Time to first token and inter-token latency, in milliseconds.
     *
     * @param ttftMillis mean time to first token, waiting included
     * @param itlMillis mean inter-token latency
     */
    record Latency(double ttftMillis, double itlMillis) {
    }
}
