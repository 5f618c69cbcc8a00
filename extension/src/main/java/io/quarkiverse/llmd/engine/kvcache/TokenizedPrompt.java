package io.quarkiverse.llmd.engine.kvcache;

import java.util.Arrays;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.PromptInput;
import io.quarkiverse.llmd.engine.request.RequestBody;

/**
 * The prompt as token ids (llm-d's TokenizedPrompt), produced by {@code token-producer} and read by
 * {@code precise-prefix-cache-producer}.
 *
 * @param tokenIds the token ids, in prompt order; shared, callers must not modify them
 * @param estimated true when the ids are a stand-in computed without the model's tokenizer (they then match
 *        nothing an engine reports, only other estimates)
 */
public record TokenizedPrompt(int[] tokenIds, boolean estimated) {

    /** Where {@code token-producer} stores the prompt's tokens for the current request. */
    public static final DataKey<TokenizedPrompt> KEY = DataKey.of("TokenizedPrompt", TokenizedPrompt.class,
            "token-producer");

    /** Bytes per estimated token. */
    public static final int BYTES_PER_TOKEN = 4;

    /**
     * llm-d's {@code estimate} tokens for a request, shared by the engine's {@code token-producer} and the
     * runtime's: a completions prompt given as token ids as is, otherwise {@link #estimate(byte[])} of the prompt
     * input.
     */
    public static TokenizedPrompt estimate(InferenceRequest request) {
        if (request.body() instanceof RequestBody.Completions c && c.prompt() instanceof PromptInput.TokenIds ids) {
            return new TokenizedPrompt(ids.ids(), false);
        }
        return new TokenizedPrompt(estimate(request.prefixInput()), true);
    }

    /** Stand-in token ids: each 4-byte piece of {@code input} read little-endian, the last one zero-padded. */
    public static int[] estimate(byte[] input) {
        int[] tokens = new int[(input.length + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN];
        for (int t = 0; t < tokens.length; t++) {
            int p = t * BYTES_PER_TOKEN;
            int v = 0;
            for (int b = Math.min(BYTES_PER_TOKEN, input.length - p) - 1; b >= 0; b--) {
                v = (v << 8) | (input[p + b] & 0xFF);
            }
            tokens[t] = v;
        }
        return tokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedPrompt t && estimated == t.estimated && Arrays.equals(tokenIds, t.tokenIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokenIds) * 31 + Boolean.hashCode(estimated);
    }

    @Override
    public String toString() {
        return "TokenizedPrompt{" + tokenIds.length + " tokens" + (estimated ? ", estimated" : "") + "}";
    }
}
