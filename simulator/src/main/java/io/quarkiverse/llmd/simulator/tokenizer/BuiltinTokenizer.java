package io.quarkiverse.llmd.simulator.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A deterministic stand-in for a BPE tokenizer, so every pod (and any scheduler using the same class) agrees on
 * token ids without model files. Text is cut into pieces: a word (letters and digits) together with one leading
 * space, split into chunks of at most {@value #MAX_CHUNK} characters; every other character is a piece of its own.
 * That gives roughly 4 characters per token on English. A piece's id is FNV-1a of its UTF-8 bytes folded into
 * {@code [256, 100000)}; ids below 256 are left for special tokens.
 *
 * <p>Decoding needs the piece of an id, and a hash is not invertible, so the tokenizer remembers every piece it
 * has encoded (up to {@value #MAX_REMEMBERED}); {@code decode(encode(s))} therefore returns {@code s} unless two
 * pieces collide in the vocabulary. Unknown ids decode to {@code <|id|>}.
 */
public final class BuiltinTokenizer implements Tokenizer {

    /** One instance per JVM keeps the reverse vocabulary shared by all simulated pods. */
    public static final BuiltinTokenizer INSTANCE = new BuiltinTokenizer();

    public static final int VOCAB_SIZE = 100_000;
    private static final int FIRST_ID = 256;
    private static final int MAX_CHUNK = 5;
    private static final int MAX_REMEMBERED = 2_000_000;

    private final ConcurrentHashMap<Integer, String> pieces = new ConcurrentHashMap<>();

    @Override
    public int[] encode(String text) {
        int[] out = new int[Math.max(4, text.length() / 3)];
        int n = 0;
        int i = 0;
        int len = text.length();
        while (i < len) {
            int start = i;
            char ch = text.charAt(i);
            if (ch == ' ' && i + 1 < len && Character.isLetterOrDigit(text.charAt(i + 1))) {
                i++; // the space belongs to the word that follows, as in GPT-style vocabularies
            }
            if (Character.isLetterOrDigit(text.charAt(i))) {
                int limit = Math.min(len, start + MAX_CHUNK + (i - start));
                while (i < limit && Character.isLetterOrDigit(text.charAt(i))) {
                    i++;
                }
            } else {
                i += Character.charCount(text.codePointAt(i));
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n * 2);
            }
            out[n++] = idOf(text, start, i);
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private int idOf(String text, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int k = from; k < to; k++) {
            char c = text.charAt(k);
            if (c < 0x80) {
                h = (h ^ c) * 0x100000001b3L;
            } else {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    h = (h ^ (b & 0xff)) * 0x100000001b3L;
                }
            }
        }
        int id = FIRST_ID + (int) Long.remainderUnsigned(h, VOCAB_SIZE - FIRST_ID);
        if (pieces.size() < MAX_REMEMBERED && !pieces.containsKey(id)) {
            pieces.putIfAbsent(id, text.substring(from, to));
        }
        return id;
    }

    /** The id a single piece gets (the piece must not be split further by {@link #encode}). */
    public int pieceId(String piece) {
        return idOf(piece, 0, piece.length());
    }

    @Override
    public String decode(int[] ids, int from, int to) {
        StringBuilder sb = new StringBuilder((to - from) * 4);
        for (int k = from; k < to; k++) {
            sb.append(tokenString(ids[k]));
        }
        return sb.toString();
    }

    @Override
    public String tokenString(int id) {
        String s = pieces.get(id);
        return s != null ? s : "<|" + id + "|>";
    }
}
