package io.quarkiverse.llmd.simulator.api;

import io.quarkiverse.llmd.simulator.tokenizer.PseudoText;

/**
 * Decides how many tokens a request generates and why it stops. With max_tokens, a request reaches it
 * ({@code length}) unless it draws an early end of sequence ({@code stop}, probability {@code eosProbability});
 * {@code ignore_eos} always reaches it. Without max_tokens, the length is drawn around {@code defaultMaxTokens} and
 * bounded by the context window. All draws come from the request seed, so runs are reproducible.
 */
public final class OutputPlanner {

    /** The tokens to generate and the finish reason once they are all out. */
    public record Plan(int[] tokens, String finishReason) {
    }

    private final int maxModelLen;
    private final double eosProbability;
    private final int defaultMaxTokens;
    private final PseudoText text;

    /** Output drawn from {@code text}, the filler words of the pod's tokenizer. */
    public OutputPlanner(int maxModelLen, double eosProbability, int defaultMaxTokens, PseudoText text) {
        this.maxModelLen = maxModelLen;
        this.eosProbability = eosProbability;
        this.defaultMaxTokens = defaultMaxTokens;
        this.text = text;
    }

    public Plan plan(ParsedRequest req, long seed) {
        if (req.doRemoteDecode()) {
            return new Plan(text.generate(seed, 1), "length"); // a P/D prefill yields exactly one token
        }
        int limit = maxModelLen - req.promptTokens().length;
        long r = mix(seed);
        int n;
        String reason;
        if (req.maxTokens() != null) {
            int max = Math.min(req.maxTokens(), limit);
            double u = (r >>> 11) * 0x1.0p-53;
            if (req.ignoreEos() || u >= eosProbability || max == 1) {
                n = max;
                reason = "length";
            } else {
                n = 1 + (int) Long.remainderUnsigned(mix(r), max - 1);
                reason = "stop";
            }
        } else if (req.ignoreEos()) {
            n = limit;
            reason = "length";
        } else {
            n = 1 + (int) Long.remainderUnsigned(r, 2L * defaultMaxTokens);
            reason = "stop";
            if (n >= limit) {
                n = limit;
                reason = "length";
            }
        }
        return new Plan(text.generate(seed, n), reason);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
