package io.quarkiverse.llmd.simulator.tokenizer;

/**
 * A deterministic stand-in for a BPE tokenizer, so every pod (and any scheduler using the same class) agrees on
 * token ids without model files, and ids decode back to exactly the text they came from.
 *
 * <p>The vocabulary is arithmetic rather than learned, which makes it invertible without a table:
 * <ul>
 * <li>a <b>word chunk</b>: an optional leading space and 1-4 ASCII letters that are all lower case, capitalised
 * ("The") or all upper case ("LLM"); longer words are cut into chunks of four;</li>
 * <li>a <b>number chunk</b>: an optional leading space and 1-3 digits;</li>
 * <li>any other <b>code point</b> (punctuation, whitespace, non-ASCII) is a token of its own.</li>
 * </ul>
 * That gives roughly four characters per token on English prose. Ids: {@code [0,256)} are reserved for special
 * tokens, then one id per Unicode code point, then number chunks, then word chunks ({@link #VOCAB_SIZE} in all).
 */
public final class BuiltinTokenizer implements Tokenizer {

    /** One instance is enough: the tokenizer has no state. */
    public static final BuiltinTokenizer INSTANCE = new BuiltinTokenizer();

    private static final int SPECIAL = 256;
    private static final int CHAR_BASE = SPECIAL;
    private static final int NUM_BASE = CHAR_BASE + Character.MAX_CODE_POINT + 1;
    private static final int NUM_CODES = 10 + 100 + 1000;
    private static final int WORD_BASE = NUM_BASE + 2 * NUM_CODES;
    private static final int WORD_CODES = 26 + 26 * 26 + 26 * 26 * 26 + 26 * 26 * 26 * 26;
    private static final int LOWER = 0;
    private static final int CAPITAL = 1;
    private static final int UPPER = 2;

    /** Number of ids, including the reserved ones. */
    public static final int VOCAB_SIZE = WORD_BASE + 2 * 3 * WORD_CODES;

    @Override
    public int[] encode(String text) {
        int[] out = new int[Math.max(4, text.length() / 3)];
        int n = 0;
        int i = 0;
        int len = text.length();
        while (i < len) {
            int space = 0;
            int start = i;
            if (text.charAt(i) == ' ' && i + 1 < len && isAsciiAlnum(text.charAt(i + 1))) {
                space = 1;
                start = i + 1;
            }
            char c = text.charAt(start);
            int id;
            if (isDigit(c)) {
                int end = start + 1;
                while (end < len && end - start < 3 && isDigit(text.charAt(end))) {
                    end++;
                }
                id = NUM_BASE + space * NUM_CODES + chunkCode(text, start, end, 10);
                i = end;
            } else if (isLetter(c)) {
                int end = start + 1;
                int shape;
                if (isUpper(c) && end < len && isUpper(text.charAt(end))) {
                    shape = UPPER;
                    while (end < len && end - start < 4 && isUpper(text.charAt(end))) {
                        end++;
                    }
                } else {
                    shape = isUpper(c) ? CAPITAL : LOWER;
                    while (end < len && end - start < 4 && isLower(text.charAt(end))) {
                        end++;
                    }
                }
                id = WORD_BASE + ((space * 3 + shape) * WORD_CODES) + chunkCode(text, start, end, 26);
                i = end;
            } else {
                int cp = text.codePointAt(i);
                id = CHAR_BASE + cp;
                i += Character.charCount(cp);
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n * 2);
            }
            out[n++] = id;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Bijective numbering of the strings of length 1..k over a radix-letter alphabet. */
    private static int chunkCode(String text, int from, int to, int radix) {
        int offset = 0;
        int pow = radix;
        for (int l = 1; l < to - from; l++) {
            offset += pow;
            pow *= radix;
        }
        int v = 0;
        for (int k = from; k < to; k++) {
            char c = text.charAt(k);
            v = v * radix + (radix == 10 ? c - '0' : Character.toLowerCase(c) - 'a');
        }
        return offset + v;
    }

    private static void appendChunk(StringBuilder sb, int code, int radix, int shape) {
        int len = 1;
        int pow = radix;
        while (code >= pow) {
            code -= pow;
            pow *= radix;
            len++;
        }
        char[] chars = new char[len];
        for (int k = len - 1; k >= 0; k--) {
            int d = code % radix;
            code /= radix;
            chars[k] = radix == 10 ? (char) ('0' + d)
                    : (char) ((shape == UPPER || (shape == CAPITAL && k == 0) ? 'A' : 'a') + d);
        }
        sb.append(chars);
    }

    /** The id a single piece gets (the piece must not be split further by {@link #encode}). */
    public int pieceId(String piece) {
        int[] ids = encode(piece);
        if (ids.length != 1) {
            throw new IllegalArgumentException("'" + piece + "' is " + ids.length + " tokens");
        }
        return ids[0];
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int singleTokenId(String piece) {
        int[] ids = encode(piece);
        return ids.length == 1 ? ids[0] : -1;
    }

    @Override
    public String decode(int[] ids, int from, int to) {
        StringBuilder sb = new StringBuilder((to - from) * 4);
        for (int k = from; k < to; k++) {
            append(sb, ids[k]);
        }
        return sb.toString();
    }

    @Override
    public String tokenString(int id) {
        StringBuilder sb = new StringBuilder(5);
        append(sb, id);
        return sb.toString();
    }

    private static void append(StringBuilder sb, int id) {
        if (id < SPECIAL || id >= VOCAB_SIZE) {
            sb.append("<|").append(id).append("|>");
        } else if (id < NUM_BASE) {
            sb.appendCodePoint(id - CHAR_BASE);
        } else if (id < WORD_BASE) {
            int x = id - NUM_BASE;
            if (x >= NUM_CODES) {
                sb.append(' ');
            }
            appendChunk(sb, x % NUM_CODES, 10, LOWER);
        } else {
            int x = id - WORD_BASE;
            int variant = x / WORD_CODES;
            if (variant >= 3) {
                sb.append(' ');
            }
            appendChunk(sb, x % WORD_CODES, 26, variant % 3);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isLetter(char c) {
        return isLower(c) || isUpper(c);
    }

    private static boolean isAsciiAlnum(char c) {
        return isLetter(c) || isDigit(c);
    }
}
