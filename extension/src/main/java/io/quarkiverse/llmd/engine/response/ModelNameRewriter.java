package io.quarkiverse.llmd.engine.response;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * Gives responses back the model name the client asked for, as llm-d does: the literal {@code "model":"<target>"}
 * and {@code "model": "<target>"} become {@code "model":"<incoming>"} (resp. with the space). Works on raw bytes.
 * <p>
 * Unlike llm-d, which rewrites each streamed chunk on its own, a match split between two chunks is found too: the
 * longest chunk tail that could begin a match is held back and prepended to the next chunk (SSE chunks end with a
 * blank line, so in practice nothing is held). The one rewriter of both edges: the ext_proc response path and the
 * proxy's relay. One instance per response; not thread-safe.
 */
public final class ModelNameRewriter {

    private final byte[][] patterns;
    private final byte[][] replacements;
    private byte[] carry = new byte[0];

    private ModelNameRewriter(String target, String incoming) {
        String t = quote(target);
        String i = quote(incoming);
        patterns = new byte[][] { ("\"model\":" + t).getBytes(StandardCharsets.UTF_8),
                ("\"model\": " + t).getBytes(StandardCharsets.UTF_8) };
        replacements = new byte[][] { ("\"model\":" + i).getBytes(StandardCharsets.UTF_8),
                ("\"model\": " + i).getBytes(StandardCharsets.UTF_8) };
    }

    /** A rewriter, or null when the names are equal (nothing to do). */
    public static ModelNameRewriter of(String target, String incoming) {
        if (target == null || incoming == null || target.equals(incoming)) {
            return null;
        }
        return new ModelNameRewriter(target, incoming);
    }

    /** Whether a rewrite can change the body length (then a Content-Length no longer holds). */
    public boolean changesLength() {
        return patterns[0].length != replacements[0].length;
    }

    /** Rewrites a complete body. */
    public byte[] rewriteAll(byte[] body) {
        byte[] out = rewrite(body, true);
        return out;
    }

    /**
     * Rewrites the next chunk of a stream.
     *
     * @param last whether this is the final chunk: then nothing is held back
     * @return the bytes to pass on now
     */
    public byte[] rewrite(byte[] chunk, boolean last) {
        byte[] in = carry.length == 0 ? chunk : concat(carry, chunk);
        carry = new byte[0];
        ByteArrayOutputStream out = null;
        int copied = 0;
        int i = 0;
        while (i < in.length) {
            int p = matchAt(in, i);
            if (p >= 0) {
                if (out == null) {
                    out = new ByteArrayOutputStream(in.length + 16);
                }
                out.write(in, copied, i - copied);
                out.writeBytes(replacements[p]);
                i += patterns[p].length;
                copied = i;
            } else {
                i++;
            }
        }
        int keep = last ? 0 : heldBackLength(in, copied);
        int end = in.length - keep;
        if (keep > 0) {
            carry = Arrays.copyOfRange(in, end, in.length);
        }
        if (out == null) {
            return keep == 0 ? in : Arrays.copyOf(in, end);
        }
        out.write(in, copied, end - copied);
        return out.toByteArray();
    }

    private int matchAt(byte[] in, int at) {
        if (in[at] != '"') {
            return -1;
        }
        outer: for (int p = 0; p < patterns.length; p++) {
            byte[] pat = patterns[p];
            if (at + pat.length > in.length) {
                continue;
            }
            for (int k = 1; k < pat.length; k++) {
                if (in[at + k] != pat[k]) {
                    continue outer;
                }
            }
            return p;
        }
        return -1;
    }

    /** Length of the longest tail (after {@code from}) that is a proper prefix of a pattern. */
    private int heldBackLength(byte[] in, int from) {
        int max = Math.max(patterns[0].length, patterns[1].length) - 1;
        for (int len = Math.min(max, in.length - from); len > 0; len--) {
            int start = in.length - len;
            for (byte[] pat : patterns) {
                if (len < pat.length && regionEquals(in, start, pat, len)) {
                    return len;
                }
            }
        }
        return 0;
    }

    private static boolean regionEquals(byte[] a, int from, byte[] b, int len) {
        for (int k = 0; k < len; k++) {
            if (a[from + k] != b[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
