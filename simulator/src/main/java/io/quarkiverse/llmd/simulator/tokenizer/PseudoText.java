package io.quarkiverse.llmd.simulator.tokenizer;

/**
 * Deterministic filler output: token {@code i} of a response is a word picked by a hash of (seed, i). Every word is
 * one token of {@link BuiltinTokenizer} (a space plus at most four letters), so the text re-tokenizes to the same
 * count and ids.
 */
public final class PseudoText {

    private static final String[] WORDS = { " the", " of", " and", " to", " in", " is", " it", " that", " for", " on",
            " with", " as", " was", " be", " by", " this", " are", " or", " from", " at", " an", " but", " not",
            " have", " all", " can", " one", " more", " will", " time", " also", " new", " we", " some", " data",
            " like", " when", " each", " then", " what", " so", " out", " up", " into", " its", " them", " way",
            " make", " than", " many", " used", " work", " well", " long", " very", " just", " over", " most", " same",
            " high", " low", " fast", " keys", " pods", ".", "," };

    private static final int[] IDS = new int[WORDS.length];

    static {
        for (int i = 0; i < WORDS.length; i++) {
            IDS[i] = BuiltinTokenizer.INSTANCE.pieceId(WORDS[i]);
        }
    }

    private PseudoText() {
    }

    /** The ids of {@code n} pseudo-random tokens for {@code seed}. */
    public static int[] tokens(long seed, int n) {
        int[] out = new int[n];
        long s = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < n; i++) {
            s += 0x9E3779B97F4A7C15L;
            long z = s;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            out[i] = IDS[(int) Long.remainderUnsigned(z, WORDS.length)];
        }
        return out;
    }
}
