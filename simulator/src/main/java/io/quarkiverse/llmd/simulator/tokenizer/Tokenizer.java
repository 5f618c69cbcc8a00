package io.quarkiverse.llmd.simulator.tokenizer;

/**
 * Text to token ids and back. Implementations are thread-safe. {@link BuiltinTokenizer} is the default;
 * {@link HuggingFaceTokenizer} loads a model's {@code tokenizer.json} (see {@link Tokenizers#forPath}).
 */
public interface Tokenizer {

    int[] encode(String text);

    /** Concatenated token strings of {@code ids[from, to)}. */
    String decode(int[] ids, int from, int to);

    default String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    /** The text of one token. */
    String tokenString(int id);

    /** Number of ids: valid ids are {@code [0, vocabSize())}, anything else is out of vocabulary. */
    int vocabSize();

    /**
     * The id {@code piece} gets when it follows other text, if it is exactly one ordinary token there (not unknown,
     * not special), else -1. Picks the words of generated text ({@link PseudoText#forTokenizer}).
     */
    int singleTokenId(String piece);
}
