package io.quarkiverse.llmd.engine.request;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Iterator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Appends JSON bytes exactly as Go's {@code encoding/json.Marshal} would write them, so that the prefix bytes we hash
 * are identical to llm-d's. Go specifics reproduced here:
 * <ul>
 * <li>HTML-safe string escaping (the default of {@code json.Marshal}): {@code <}, {@code >}, {@code &} become
 * <code>&#92;u003c</code>, <code>&#92;u003e</code>, <code>&#92;u0026</code>; U+2028 and U+2029 become <code>&#92;u2028</code> and <code>&#92;u2029</code>;</li>
 * <li>control characters: {@code \n}, {@code \r}, {@code \t}, and (Go 1.22 and later) {@code \b}, {@code \f}; all
 * others as <code>&#92;u00XX</code> with lower-case hex; DEL and non-ASCII are written raw as UTF-8;</li>
 * <li>an unpaired UTF-16 surrogate (which Go's decoder would already have turned into U+FFFD) is written as the raw
 * UTF-8 of U+FFFD;</li>
 * <li>values decoded into {@code interface{}}: objects become Go maps, whose keys are written sorted by byte order;
 * every number is a {@code float64} written in the shortest form that round-trips, plain decimal when
 * 1e-6 &lt;= |x| &lt; 1e21, else exponent form such as {@code 1e+21} or {@code 1e-7}.</li>
 * </ul>
 * Not thread-safe; one instance per serialization.
 */
final class GoJsonWriter {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Integers below 2^53 print the same as Go's float64 formatting, so they skip the slow path. */
    private static final double EXACT_INTEGER_LIMIT = 9.007199254740992E15;

    private byte[] buf;
    private int len;

    GoJsonWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return len;
    }

    byte[] toByteArray() {
        return len == buf.length ? buf : Arrays.copyOf(buf, len);
    }

    private void ensure(int extra) {
        int need = len + extra;
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
        }
    }

    GoJsonWriter ascii(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /** Writes ASCII-only literal text (field names, punctuation). */
    GoJsonWriter ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** Writes the raw UTF-8 bytes of a string, without quoting or escaping (completions prompt text). */
    GoJsonWriter utf8(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                ensure(1);
                buf[len++] = (byte) c;
            } else {
                i = appendNonAscii(s, i, c);
            }
        }
        return this;
    }

    /** Writes a quoted, Go-escaped JSON string. */
    GoJsonWriter string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[len++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
                    ensure(1);
                    buf[len++] = (byte) c;
                } else {
                    escapeAscii(c);
                }
            } else if (c == '\u2028' || c == '\u2029') {
                ensure(6);
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = '2';
                buf[len++] = '0';
                buf[len++] = '2';
                buf[len++] = (byte) (c == '\u2028' ? '8' : '9');
            } else {
                i = appendNonAscii(s, i, c);
            }
        }
        ensure(1);
        buf[len++] = '"';
        return this;
    }

    private void escapeAscii(char c) {
        ensure(6);
        buf[len++] = '\\';
        switch (c) {
            case '"' -> buf[len++] = '"';
            case '\\' -> buf[len++] = '\\';
            case '\n' -> buf[len++] = 'n';
            case '\r' -> buf[len++] = 'r';
            case '\t' -> buf[len++] = 't';
            case '\b' -> buf[len++] = 'b';
            case '\f' -> buf[len++] = 'f';
            default -> {
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[(c >> 4) & 0xF];
                buf[len++] = HEX[c & 0xF];
            }
        }
    }

    /** Appends one non-ASCII char (or surrogate pair) as UTF-8; returns the index of the last char consumed. */
    private int appendNonAscii(String s, int i, char c) {
        ensure(4);
        if (c < 0x800) {
            buf[len++] = (byte) (0xC0 | (c >> 6));
            buf[len++] = (byte) (0x80 | (c & 0x3F));
            return i;
        }
        if (Character.isSurrogate(c)) {
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(i + 1));
                buf[len++] = (byte) (0xF0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (cp & 0x3F));
                return i + 1;
            }
            // Go replaced the lone surrogate with U+FFFD when it decoded the request.
            buf[len++] = (byte) 0xEF;
            buf[len++] = (byte) 0xBF;
            buf[len++] = (byte) 0xBD;
            return i;
        }
        buf[len++] = (byte) (0xE0 | (c >> 12));
        buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        buf[len++] = (byte) (0x80 | (c & 0x3F));
        return i;
    }

    /** Writes an integer that is known to be exact (token ids). */
    GoJsonWriter integer(long v) {
        return ascii(Long.toString(v));
    }

    /**
     * Writes a JSON value as Go writes a value it decoded into {@code interface{}}.
     *
     * @param path the JSON path of the value, for the error raised when a number does not fit a float64
     */
    GoJsonWriter any(JsonNode node, String path) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return ascii("null");
        }
        switch (node.getNodeType()) {
            case STRING -> string(node.textValue());
            case BOOLEAN -> ascii(node.booleanValue() ? "true" : "false");
            case NUMBER -> number(node, path);
            case ARRAY -> {
                ascii('[');
                int n = node.size();
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        ascii(',');
                    }
                    any(node.get(i), path);
                }
                ascii(']');
            }
            case OBJECT -> {
                int n = node.size();
                String[] keys = new String[n];
                Iterator<String> names = node.fieldNames();
                for (int i = 0; i < n && names.hasNext(); i++) {
                    keys[i] = names.next();
                }
                if (n > 1) {
                    Arrays.sort(keys, GoJsonWriter::compareUtf8Order);
                }
                ascii('{');
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        ascii(',');
                    }
                    string(keys[i]).ascii(':');
                    any(node.get(keys[i]), path);
                }
                ascii('}');
            }
            default -> ascii("null"); // binary and POJO nodes never come out of the JSON parser
        }
        return this;
    }

    private void number(JsonNode node, String path) {
        if (node.canConvertToLong() && (node.isInt() || node.isLong() || node.isShort() || node.isBigInteger())) {
            long v = node.longValue();
            if (Math.abs((double) v) < EXACT_INTEGER_LIMIT) {
                ascii(Long.toString(v));
                return;
            }
        }
        double d = node.isBigInteger() ? node.bigIntegerValue().doubleValue() : node.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            // Go's decoder refuses such a number when it decodes into interface{}: the request is rejected.
            throw new InvalidRequestException(InvalidRequestException.Reason.INVALID_VALUE, path,
                    "field '" + path + "' holds a number that does not fit a 64-bit float");
        }
        ascii(formatGoFloat(d));
    }

    /** Go's {@code encoding/json} formatting of a finite float64. */
    static String formatGoFloat(double d) {
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0" : "0";
        }
        double abs = Math.abs(d);
        if (abs < EXACT_INTEGER_LIMIT && abs >= 1 && d == Math.rint(d)) {
            return Long.toString((long) d);
        }
        BigDecimal shortest = shortest(abs);
        String digits = shortest.unscaledValue().toString();
        int scale = shortest.scale();
        int n = digits.length();
        StringBuilder sb = new StringBuilder(n + 8);
        if (d < 0) {
            sb.append('-');
        }
        if (abs >= 1e-6 && abs < 1e21) {
            if (scale <= 0) {
                sb.append(digits);
                sb.append("0".repeat(-scale));
            } else if (scale >= n) {
                sb.append("0.").append("0".repeat(scale - n)).append(digits);
            } else {
                sb.append(digits, 0, n - scale).append('.').append(digits, n - scale, n);
            }
        } else {
            int exp = n - 1 - scale;
            sb.append(digits.charAt(0));
            if (n > 1) {
                sb.append('.').append(digits, 1, n);
            }
            sb.append('e');
            if (exp < 0) {
                // Go writes e-07 and then trims the zero: e-7.
                sb.append('-').append(-exp);
            } else {
                sb.append('+');
                if (exp < 10) {
                    sb.append('0');
                }
                sb.append(exp);
            }
        }
        return sb.toString();
    }

    /** The decimal with the fewest digits that parses back to {@code abs}, the closest one when several do. */
    private static BigDecimal shortest(double abs) {
        BigDecimal exact = new BigDecimal(abs);
        for (int p = 1; p <= 17; p++) {
            BigDecimal nearest = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (nearest.doubleValue() == abs) {
                return nearest.stripTrailingZeros();
            }
            // At a power of two the round-trip interval is lopsided: the nearest p-digit decimal can miss it while
            // the one on the wider side hits it.
            BigDecimal down = exact.round(new MathContext(p, RoundingMode.DOWN));
            BigDecimal up = exact.round(new MathContext(p, RoundingMode.UP));
            boolean downOk = down.doubleValue() == abs;
            boolean upOk = up.doubleValue() == abs;
            if (downOk && upOk) {
                return (exact.subtract(down).compareTo(up.subtract(exact)) <= 0 ? down : up).stripTrailingZeros();
            }
            if (downOk) {
                return down.stripTrailingZeros();
            }
            if (upOk) {
                return up.stripTrailingZeros();
            }
        }
        return exact.round(MathContext.DECIMAL64).stripTrailingZeros();
    }

    /** Orders strings as Go orders map keys: by UTF-8 bytes, which is code point order. */
    static int compareUtf8Order(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = a.charAt(i);
            char cb = b.charAt(i);
            if (ca != cb) {
                boolean sa = Character.isSurrogate(ca);
                boolean sb = Character.isSurrogate(cb);
                if (sa == sb) {
                    return ca - cb;
                }
                // A surrogate stands for a code point above U+FFFF: it sorts after any BMP char.
                return sa ? 1 : -1;
            }
        }
        return a.length() - b.length();
    }
}
