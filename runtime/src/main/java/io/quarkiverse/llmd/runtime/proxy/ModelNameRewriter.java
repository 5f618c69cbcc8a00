package io.quarkiverse.llmd.runtime.proxy;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/**
 * Puts the client's model name back into a response when the scheduler rewrote it: every {@code "model":"<target>"}
 * and {@code "model": "<target>"} becomes the incoming name, as llm-d's {@code rewriteModelName} does. Works on a
 * stream of chunks: a pattern split across two chunks is still found, because the tail of a chunk that could start
 * a pattern is held back until the next chunk (at most the pattern length minus one byte). Not thread-safe; one
 * instance per response.
 */
public final class ModelNameRewriter {

    private final byte[][] patterns;
    private final byte[][] replacements;
    private final int maxPattern;
    private byte[] carry = new byte[0];

    public ModelNameRewriter(String targetModel, String incomingModel) {
        String t = jsonEscape(targetModel);
        String in = jsonEscape(incomingModel);
        this.patterns = new byte[][] { ("\"model\":\"" + t + "\"").getBytes(StandardCharsets.UTF_8),
                ("\"model\": \"" + t + "\"").getBytes(StandardCharsets.UTF_8) };
        this.replacements = new byte[][] { ("\"model\":\"" + in + "\"").getBytes(StandardCharsets.UTF_8),
                ("\"model\": \"" + in + "\"").getBytes(StandardCharsets.UTF_8) };
        this.maxPattern = Math.max(patterns[0].length, patterns[1].length);
    }

    /** Rewrites a chunk; the result may be shorter or longer, and may hold bytes of the previous chunk. */
    public Buffer apply(Buffer chunk) {
        byte[] in = concat(carry, chunk.getBytes());
        Buffer out = Buffer.buffer(in.length + 16);
        int i = 0;
        int emitted = 0;
        int n = in.length;
        while (i < n) {
            int matched = matchAt(in, i);
            if (matched >= 0) {
                out.appendBytes(in, emitted, i - emitted);
                out.appendBytes(replacements[matched]);
                i += patterns[matched].length;
                emitted = i;
                continue;
            }
            if (n - i < maxPattern && couldStart(in, i)) {
                break; // a pattern may continue in the next chunk
            }
            i++;
        }
        out.appendBytes(in, emitted, i - emitted);
        carry = i < n ? java.util.Arrays.copyOfRange(in, i, n) : new byte[0];
        return out;
    }

    /** The bytes still held back, at the end of the response. */
    public Buffer flush() {
        Buffer out = Buffer.buffer(carry);
        carry = new byte[0];
        return out;
    }

    private int matchAt(byte[] in, int i) {
        for (int p = 0; p < patterns.length; p++) {
            byte[] pat = patterns[p];
            if (i + pat.length <= in.length && regionEquals(in, i, pat, pat.length)) {
                return p;
            }
        }
        return -1;
    }

    /** Whether the rest of {@code in} from {@code i} is a proper prefix of a pattern. */
    private boolean couldStart(byte[] in, int i) {
        int rest = in.length - i;
        for (byte[] pat : patterns) {
            if (rest < pat.length && regionEquals(in, i, pat, rest)) {
                return true;
            }
        }
        return false;
    }

    private static boolean regionEquals(byte[] in, int off, byte[] pat, int len) {
        for (int k = 0; k < len; k++) {
            if (in[off + k] != pat[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        OpenAiErrors.quote(sb, s);
        return sb.substring(1, sb.length() - 1);
    }
}
