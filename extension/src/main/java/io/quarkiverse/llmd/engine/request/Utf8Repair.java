package io.quarkiverse.llmd.engine.request;

import java.io.ByteArrayOutputStream;

/**
 * Replaces every byte that is not part of a well-formed UTF-8 sequence with the UTF-8 of U+FFFD, one replacement per
 * byte, which is what Go's JSON decoder does inside strings. Overlong forms, surrogates and code points above
 * U+10FFFF count as ill-formed, as in Go.
 */
final class Utf8Repair {

    private Utf8Repair() {
    }

    /** Whether every byte belongs to a well-formed sequence. */
    static boolean isValid(byte[] in) {
        int i = 0;
        while (i < in.length) {
            int n = validSequenceLength(in, i);
            if (n == 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    static byte[] repair(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
        int i = 0;
        while (i < in.length) {
            int n = validSequenceLength(in, i);
            if (n > 0) {
                out.write(in, i, n);
                i += n;
            } else {
                out.write(0xEF);
                out.write(0xBF);
                out.write(0xBD);
                i++;
            }
        }
        return out.toByteArray();
    }

    /** Length of the well-formed sequence starting at {@code i}, or 0 if the byte there starts none. */
    static int validSequenceLength(byte[] b, int i) {
        int b0 = b[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            return cont(b, i + 1) ? 2 : 0;
        }
        if (b0 >= 0xE0 && b0 <= 0xEF) {
            if (i + 2 > b.length - 1) {
                return 0;
            }
            int b1 = b[i + 1] & 0xFF;
            int lo = b0 == 0xE0 ? 0xA0 : 0x80;
            int hi = b0 == 0xED ? 0x9F : 0xBF;
            return b1 >= lo && b1 <= hi && cont(b, i + 2) ? 3 : 0;
        }
        if (b0 >= 0xF0 && b0 <= 0xF4) {
            if (i + 3 > b.length - 1) {
                return 0;
            }
            int b1 = b[i + 1] & 0xFF;
            int lo = b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xF4 ? 0x8F : 0xBF;
            return b1 >= lo && b1 <= hi && cont(b, i + 2) && cont(b, i + 3) ? 4 : 0;
        }
        return 0;
    }

    private static boolean cont(byte[] b, int i) {
        return i < b.length && (b[i] & 0xC0) == 0x80;
    }
}
