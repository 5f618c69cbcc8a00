package io.quarkiverse.llmd.engine.kvcache;

import java.util.Arrays;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;

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
