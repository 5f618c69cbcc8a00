package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Parses the Prometheus text exposition format (version 0.0.4, and the sample lines of OpenMetrics) from the raw
 * bytes of a scrape.
 * <p>
 * Built for a 50 ms polling loop: it works on the byte array without decoding it to a String, and a parser made with
 * {@link #only(Collection)} recognises the few metric names an extractor needs by comparing bytes and skips every
 * other line (histogram buckets and all) after reading its name, allocating nothing for it. Metric and label names
 * are reused from small caches; only label values and the kept samples are allocated.
 * <p>
 * Tolerated: comments, {@code # HELP} and {@code # TYPE} lines (types are recorded), blank lines, leading blanks,
 * {@code \r\n} line ends, escaped label values ({@code \\}, {@code \"}, {@code \n}; an unknown escape is kept
 * as written), commas and braces inside quoted values, a trailing comma in a label set, UTF-8 label values, quoted
 * (UTF-8) metric and label names, {@code NaN}, {@code +Inf}, {@code -Inf} (case-insensitive, as Go's ParseFloat),
 * exponent notation, optional millisecond timestamps and OpenMetrics exemplars ({@code # {...} v} after the value).
 * A line that is none of these is skipped and counted ({@link ParsedMetrics#skippedLines()}); nothing in the input
 * makes the parser throw. Lines of metrics not asked for are skipped without validation and are not counted.
 * <p>
 * Thread-safe: all parsing state lives in the call.
 */
public final class PrometheusTextParser {

    private static final PrometheusTextParser ALL = new PrometheusTextParser(null, null);
    private static final double[] POW10 = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
            1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

    /** Wanted sample names as bytes, parallel to {@link #wantedNames}; null to keep everything. */
    private final byte[][] wanted;
    private final String[] wantedNames;

    private PrometheusTextParser(byte[][] wanted, String[] wantedNames) {
        this.wanted = wanted;
        this.wantedNames = wantedNames;
    }

    /** A parser that keeps every sample. */
    public static PrometheusTextParser all() {
        return ALL;
    }

    /**
     * A parser that keeps only samples with one of these exact names (give histogram samples with their suffix,
     * e.g. {@code vllm:e2e_request_latency_seconds_bucket}).
     */
    public static PrometheusTextParser only(Collection<String> sampleNames) {
        LinkedHashSet<String> set = new LinkedHashSet<>(sampleNames);
        String[] names = set.toArray(new String[0]);
        byte[][] bytes = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            bytes[i] = names[i].getBytes(StandardCharsets.UTF_8);
        }
        return new PrometheusTextParser(bytes, names);
    }

    /** Parses a whole scrape body. */
    public ParsedMetrics parse(byte[] body) {
        return body == null ? ParsedMetrics.EMPTY : parse(body, 0, body.length);
    }

    /** Parses {@code body[offset, offset+length)}. */
    public ParsedMetrics parse(byte[] body, int offset, int length) {
        if (body == null || length <= 0) {
            return ParsedMetrics.EMPTY;
        }
        if (offset < 0 || length > body.length - offset) {
            throw new IndexOutOfBoundsException("range outside the body");
        }
        return new Run(body).parse(offset, offset + length);
    }

    /** Parses text (handy in tests; the byte form avoids a copy). */
    public ParsedMetrics parse(String text) {
        return text == null ? ParsedMetrics.EMPTY : parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The sample names this parser keeps, or null when it keeps everything. */
    public List<String> sampleNames() {
        return wantedNames == null ? null : List.of(wantedNames);
    }

    /** The state of one parse call. */
    private final class Run {
        private final byte[] b;
        private final Map<String, List<Sample>> samples = new HashMap<>();
        private final Map<String, MetricType> types = new HashMap<>();
        private final String[] nameCache = new String[64];
        private String[] labels = new String[16];
        private int labelLen;
        private byte[] scratch;
        private String quoted;
        private String quotedName;
        private double number;
        private long timestamp;
        private int sampleCount;
        private int skipped;

        Run(byte[] b) {
            this.b = b;
        }

        ParsedMetrics parse(int pos, int end) {
            while (pos < end) {
                int nl = pos;
                while (nl < end && b[nl] != '\n') {
                    nl++;
                }
                int e = nl;
                while (e > pos && b[e - 1] == '\r') {
                    e--;
                }
                line(pos, e);
                pos = nl + 1;
            }
            // Wrapped, not copied: the lists and maps never escape this call otherwise.
            samples.replaceAll((k, v) -> Collections.unmodifiableList(v));
            return new ParsedMetrics(Collections.unmodifiableMap(samples), Collections.unmodifiableMap(types),
                    sampleCount, skipped);
        }

        private void line(int s, int e) {
            int i = skipBlanks(s, e);
            if (i == e) {
                return;
            }
            if (b[i] == '#') {
                comment(i + 1, e);
                return;
            }
            String name = null;
            boolean bareName = false;
            if (isNameStart(b[i])) {
                int j = i + 1;
                while (j < e && isNameChar(b[j])) {
                    j++;
                }
                name = sampleName(i, j);
                if (name == null) {
                    return; // not asked for: skip without looking further
                }
                bareName = true;
                i = j;
            } else if (b[i] != '{') {
                skipped++;
                return;
            }
            labelLen = 0;
            quotedName = null;
            int afterName = i;
            i = skipBlanks(i, e);
            if (i < e && b[i] == '{') {
                i = labelSet(i + 1, e, !bareName);
                if (i < 0) {
                    skipped++;
                    return;
                }
                if (!bareName) {
                    if (quotedName == null) {
                        skipped++;
                        return;
                    }
                    name = wantedString(quotedName);
                    if (name == null) {
                        return;
                    }
                }
            } else if (i == afterName) {
                skipped++; // a bare name must be followed by a blank: "metric1.5" is not a sample
                return;
            }
            i = skipBlanks(i, e);
            int vs = i;
            while (i < e && b[i] != ' ' && b[i] != '\t') {
                i++;
            }
            if (!parseNumber(vs, i)) {
                skipped++;
                return;
            }
            double value = number;
            i = skipBlanks(i, e);
            long ts = Sample.NO_TIMESTAMP;
            if (i < e && b[i] != '#') {
                int ts0 = i;
                while (i < e && b[i] != ' ' && b[i] != '\t') {
                    i++;
                }
                if (!parseTimestamp(ts0, i)) {
                    skipped++;
                    return;
                }
                ts = timestamp;
                i = skipBlanks(i, e);
            }
            if (i < e && b[i] != '#') {
                skipped++;
                return;
            }
            samples.computeIfAbsent(name, k -> new ArrayList<>(4))
                    .add(new Sample(name, Labels.wrap(labels, labelLen), value, ts));
            if (labelLen == labels.length) {
                labels = new String[labels.length]; // the Labels took this array over
            }
            sampleCount++;
        }

        /** {@code # TYPE name type} is recorded; HELP and other comments are ignored. */
        private void comment(int i, int e) {
            i = skipBlanks(i, e);
            if (e - i < 5 || b[i] != 'T' || b[i + 1] != 'Y' || b[i + 2] != 'P' || b[i + 3] != 'E'
                    || (b[i + 4] != ' ' && b[i + 4] != '\t')) {
                return;
            }
            i = skipBlanks(i + 4, e);
            int ns = i;
            while (i < e && b[i] != ' ' && b[i] != '\t') {
                i++;
            }
            if (ns == i) {
                return;
            }
            String family = familyName(ns, i);
            if (family == null) {
                return;
            }
            i = skipBlanks(i, e);
            int ts = i;
            while (i < e && b[i] != ' ' && b[i] != '\t') {
                i++;
            }
            types.put(family, MetricType.fromText(new String(b, ts, i - ts, StandardCharsets.ISO_8859_1)));
        }

        /**
         * Parses labels after '{' up to and including '}'; returns the index after '}' or -1. When
         * {@code nameAllowed}, a lone quoted string is the metric name (Prometheus 3 UTF-8 names).
         */
        private int labelSet(int i, int e, boolean nameAllowed) {
            while (true) {
                i = skipBlanks(i, e);
                if (i >= e) {
                    return -1;
                }
                if (b[i] == '}') {
                    return i + 1;
                }
                String labelName;
                if (b[i] == '"') {
                    i = quotedString(i, e);
                    if (i < 0) {
                        return -1;
                    }
                    i = skipBlanks(i, e);
                    if (i < e && b[i] == '=') {
                        labelName = quoted;
                    } else {
                        if (!nameAllowed || quotedName != null || labelLen > 0) {
                            return -1;
                        }
                        quotedName = quoted;
                        if (i < e && b[i] == ',') {
                            i++;
                            continue;
                        }
                        if (i < e && b[i] == '}') {
                            return i + 1;
                        }
                        return -1;
                    }
                } else {
                    if (!isLabelStart(b[i])) {
                        return -1;
                    }
                    int j = i + 1;
                    while (j < e && isLabelChar(b[j])) {
                        j++;
                    }
                    labelName = cached(i, j);
                    i = skipBlanks(j, e);
                    if (i >= e || b[i] != '=') {
                        return -1;
                    }
                }
                i = skipBlanks(i + 1, e);
                if (i >= e || b[i] != '"') {
                    return -1;
                }
                i = quotedString(i, e);
                if (i < 0) {
                    return -1;
                }
                if (labelLen + 2 > labels.length) {
                    labels = Arrays.copyOf(labels, labels.length * 2);
                }
                labels[labelLen++] = labelName;
                labels[labelLen++] = quoted;
                i = skipBlanks(i, e);
                if (i < e && b[i] == ',') {
                    i++;
                } else if (i < e && b[i] == '}') {
                    return i + 1;
                } else {
                    return -1;
                }
            }
        }

        /** Reads a quoted string starting at the opening quote into {@link #quoted}; returns the index after it. */
        private int quotedString(int i, int e) {
            int j = i + 1;
            boolean ascii = true;
            while (j < e && b[j] != '"' && b[j] != '\\') {
                if (b[j] < 0) {
                    ascii = false;
                }
                j++;
            }
            if (j < e && b[j] == '"') {
                quoted = new String(b, i + 1, j - i - 1, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
                return j + 1;
            }
            if (j >= e) {
                return -1;
            }
            // Escapes present: unescape into scratch.
            if (scratch == null || scratch.length < e - i) {
                scratch = new byte[Math.max(64, e - i)];
            }
            int n = 0;
            for (int k = i + 1; k < j; k++) {
                scratch[n++] = b[k];
            }
            while (j < e) {
                byte c = b[j];
                if (c == '"') {
                    quoted = new String(scratch, 0, n, StandardCharsets.UTF_8);
                    return j + 1;
                }
                if (c == '\\' && j + 1 < e) {
                    byte next = b[j + 1];
                    switch (next) {
                        case '\\' -> scratch[n++] = '\\';
                        case '"' -> scratch[n++] = '"';
                        case 'n' -> scratch[n++] = '\n';
                        default -> {
                            scratch[n++] = '\\';
                            scratch[n++] = next;
                        }
                    }
                    j += 2;
                } else {
                    scratch[n++] = c;
                    j++;
                }
            }
            return -1;
        }

        private boolean parseNumber(int s, int e) {
            int len = e - s;
            if (len <= 0) {
                return false;
            }
            int i = s;
            boolean negative = false;
            if (b[i] == '+' || b[i] == '-') {
                negative = b[i] == '-';
                i++;
            }
            if (i < e && isLetter(b[i])) {
                if (equalsIgnoreCase(i, e, "inf") || equalsIgnoreCase(i, e, "infinity")) {
                    number = negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                    return true;
                }
                if (equalsIgnoreCase(i, e, "nan")) {
                    number = Double.NaN;
                    return true;
                }
                return false;
            }
            // Fast path: up to 15 significant digits, optional fraction, no exponent: exact by Clinger's rule.
            long mantissa = 0;
            int digits = 0;
            int fraction = -1;
            int k = i;
            for (; k < e; k++) {
                byte c = b[k];
                if (c >= '0' && c <= '9') {
                    mantissa = mantissa * 10 + (c - '0');
                    digits++;
                    if (fraction >= 0) {
                        fraction++;
                    }
                } else if (c == '.' && fraction < 0) {
                    fraction = 0;
                } else {
                    break;
                }
            }
            if (k == e && digits > 0 && digits <= 15) {
                double v = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
                number = negative ? -v : v;
                return true;
            }
            boolean anyDigit = false;
            for (int m = s; m < e; m++) {
                byte c = b[m];
                if (c >= '0' && c <= '9') {
                    anyDigit = true;
                } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
                    return false;
                }
            }
            if (!anyDigit) {
                return false;
            }
            try {
                number = Double.parseDouble(new String(b, s, len, StandardCharsets.ISO_8859_1));
                return true;
            } catch (NumberFormatException ex) {
                return false;
            }
        }

        private boolean parseTimestamp(int s, int e) {
            int i = s;
            boolean negative = false;
            if (i < e && (b[i] == '-' || b[i] == '+')) {
                negative = b[i] == '-';
                i++;
            }
            if (i == e || e - i > 18) {
                return false;
            }
            long v = 0;
            for (; i < e; i++) {
                byte c = b[i];
                if (c < '0' || c > '9') {
                    return false;
                }
                v = v * 10 + (c - '0');
            }
            timestamp = negative ? -v : v;
            return true;
        }

        private boolean equalsIgnoreCase(int s, int e, String word) {
            if (e - s != word.length()) {
                return false;
            }
            for (int k = 0; k < word.length(); k++) {
                if (Character.toLowerCase((char) b[s + k]) != word.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        /** The kept name for the bytes, or null when this parser does not want it. */
        private String sampleName(int s, int e) {
            if (wanted == null) {
                return cached(s, e);
            }
            int len = e - s;
            outer: for (int w = 0; w < wanted.length; w++) {
                byte[] name = wanted[w];
                if (name.length != len) {
                    continue;
                }
                for (int k = len - 1; k >= 0; k--) { // names share prefixes, so compare from the end
                    if (name[k] != b[s + k]) {
                        continue outer;
                    }
                }
                return wantedNames[w];
            }
            return null;
        }

        /** The family a TYPE line names, if any of its samples can be wanted. */
        private String familyName(int s, int e) {
            if (wanted == null) {
                return cached(s, e);
            }
            int len = e - s;
            outer: for (int w = 0; w < wanted.length; w++) {
                byte[] name = wanted[w];
                if (name.length < len) {
                    continue;
                }
                for (int k = 0; k < len; k++) {
                    if (name[k] != b[s + k]) {
                        continue outer;
                    }
                }
                return name.length == len ? wantedNames[w] : new String(b, s, len, StandardCharsets.UTF_8);
            }
            return null;
        }

        private String wantedString(String name) {
            if (wanted == null) {
                return name;
            }
            for (String w : wantedNames) {
                if (w.equals(name)) {
                    return w;
                }
            }
            return null;
        }

        /** An ASCII name for the bytes, reusing the String of an earlier identical name. */
        private String cached(int s, int e) {
            int h = 0;
            for (int k = s; k < e; k++) {
                h = 31 * h + b[k];
            }
            int slot = (h ^ (h >>> 16)) & (nameCache.length - 1);
            String c = nameCache[slot];
            if (c != null && c.length() == e - s) {
                boolean same = true;
                for (int k = 0; k < c.length(); k++) {
                    if (c.charAt(k) != (char) b[s + k]) {
                        same = false;
                        break;
                    }
                }
                if (same) {
                    return c;
                }
            }
            String fresh = new String(b, s, e - s, StandardCharsets.ISO_8859_1);
            nameCache[slot] = fresh;
            return fresh;
        }

        private int skipBlanks(int i, int e) {
            while (i < e && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            return i;
        }
    }

    private static boolean isLetter(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNameStart(byte c) {
        return isLetter(c) || c == '_' || c == ':';
    }

    private static boolean isNameChar(byte c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isLabelStart(byte c) {
        return isLetter(c) || c == '_';
    }

    private static boolean isLabelChar(byte c) {
        return isLabelStart(c) || (c >= '0' && c <= '9');
    }
}
