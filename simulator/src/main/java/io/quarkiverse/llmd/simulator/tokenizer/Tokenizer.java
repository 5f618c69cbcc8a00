package io.quarkiverse.llmd.simulator.tokenizer;

/** Text to token ids and back. Implementations are thread-safe. */
public interface Tokenizer {

    int[] encode(String text);

    /** Concatenated token strings of {@code ids[from, to)}. */
    String decode(int[] ids, int from, int to);

    default String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    /** The text of one token. */
    String tokenString(int id);
}
