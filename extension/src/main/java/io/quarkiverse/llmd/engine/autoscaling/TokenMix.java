package io.quarkiverse.llmd.engine.autoscaling;

/**
 * The observed mix of a model's requests: mean prompt (input) and mean output tokens per request.
 *
 * @param promptTokens mean prompt tokens, at least 0
 * @param outputTokens mean output tokens, at least 1 (every request yields a token)
 */
public record TokenMix(double promptTokens, double outputTokens) {

    public TokenMix {
        if (!(promptTokens >= 0) || Double.isInfinite(promptTokens)) {
            throw new IllegalArgumentException("promptTokens must be a finite number >= 0, got " + promptTokens);
        }
        if (!(outputTokens >= 1) || Double.isInfinite(outputTokens)) {
            throw new IllegalArgumentException("outputTokens must be a finite number >= 1, got " + outputTokens);
        }
    }

    /** The mix a prefill-only replica sees: the prompt, and the one token it produces before handing off. */
    public TokenMix prefillOnly() {
        return new TokenMix(promptTokens, 1);
    }
}
