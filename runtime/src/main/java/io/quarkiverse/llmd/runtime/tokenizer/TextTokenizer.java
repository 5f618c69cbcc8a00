package io.quarkiverse.llmd.runtime.tokenizer;

/**
 * Turns text into token ids without special tokens, reporting where each token ends so that tokenizations can be
 * reused across prompts that share a prefix ({@link PrefixTokenCache}). Implementations are thread-safe.
 */
@FunctionalInterface
public interface TextTokenizer {

    /** The tokens of {@code text}, without special tokens (BOS/EOS are the caller's business). */
    Encoded encode(String text);

    /**
     * One tokenization.
     *
     * @param ids the token ids, in order
     * @param starts for each token, the index in the text (UTF-16 units) of its first character, or -1 when the
     *        tokenizer reports no span (a special token matched in the text): such a token is never a cut point
     * @param ends for each token, the index one past its last character
     */
    record Encoded(int[] ids, int[] starts, int[] ends) {
        public Encoded {
            if (ids.length != starts.length || ids.length != ends.length) {
                throw new IllegalArgumentException("ids, starts and ends differ in length: " + ids.length + ", "
                        + starts.length + ", " + ends.length);
            }
        }
    }
}
