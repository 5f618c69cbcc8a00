package io.quarkiverse.llmd.simulator.tokenizer;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Deterministic filler output: token {@code i} of a response is a word picked by a hash of (seed, i). Every word is
 * one token of the tokenizer it was built for (for {@link BuiltinTokenizer}: a space plus at most four letters), so
 * the text re-tokenizes to the same count and ids.
 */
public final class PseudoText {

    private static final String[] WORDS = { " the", " of", " and", " to", " in", " is", " it", " that", " for", " on",
            " with", " as", " was", " be", " by", " this", " are", " or", " from", " at", " an", " but", " not",
            " have", " all", " can", " one", " more", " will", " time", " also", " new", " we", " some", " data",
            " like", " when", " each", " then", " what", " so", " out", " up", " into", " its", " them", " way",
            " make", " than", " many", " used", " work", " well", " long", " very", " just", " over", " most", " same",
            " high", " low", " fast", " keys", " pods", ".", "," };

    private static final PseudoText BUILTIN = forTokenizer(BuiltinTokenizer.INSTANCE);

    private final int[] ids;

    private PseudoText(int[] ids) {
        this.ids = ids;
    }

    /**
     * The filler words that are single tokens of {@code tokenizer}, in a fixed order.
     *
     * @throws IllegalArgumentException if none is (a vocabulary without even "," or ".")
     */
    public static PseudoText forTokenizer(Tokenizer tokenizer) {
        if (tokenizer == BuiltinTokenizer.INSTANCE && BUILTIN != null) {
            return BUILTIN;
        }
        Set<Integer> found = new LinkedHashSet<>();
        for (String w : WORDS) {
            int id = tokenizer.singleTokenId(w);
            if (id >= 0) {
                found.add(id);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has none of the filler words (' the', ',', '.', ...) as"
                    + " a single token, so the simulator cannot generate text with it");
        }
        return new PseudoText(found.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The ids of {@code n} pseudo-random {@link BuiltinTokenizer} tokens for {@code seed}. */
    public static int[] tokens(long seed, int n) {
        return BUILTIN.generate(seed, n);
    }

    /** The ids of {@code n} pseudo-random tokens for {@code seed}. */
    public int[] generate(long seed, int n) {
        int[] out = new int[n];
        long s = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < n; i++) {
            s += 0x9E3779B97F4A7C15L;
            long z = s;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            out[i] = ids[(int) Long.remainderUnsigned(z, ids.length)];
        }
        return out;
    }

    /** The ids generated text is drawn from. */
    public int[] vocabulary() {
        return Arrays.copyOf(ids, ids.length);
    }
}
