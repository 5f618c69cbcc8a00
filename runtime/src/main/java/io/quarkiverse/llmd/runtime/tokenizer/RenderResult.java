package io.quarkiverse.llmd.runtime.tokenizer;

/** What one call to a render endpoint gave: the prompt's token ids, or why there are none. */
sealed interface RenderResult {

    /** The model server rendered the prompt. */
    record Rendered(int[] tokenIds) implements RenderResult {
    }

    /** No ids: the request falls back to the estimate. */
    record Failed(RenderOutcome outcome, String detail) implements RenderResult {
    }
}
