package io.quarkiverse.llmd.gateway.epp;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Value syntaxes of llm-d's command line, which is parsed by Go's {@code pflag}: booleans as {@code strconv.ParseBool}
 * reads them, durations as {@code time.ParseDuration}, byte sizes as Kubernetes quantities. Each parser throws
 * {@link IllegalArgumentException} with a message that does not name the flag (the caller adds it).
 */
final class GoValues {

    private static final Map<String, Long> DURATION_UNITS_NANOS = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    /** Binary (Ki = 2^10 ...) and decimal (k = 10^3 ...) suffixes of Kubernetes quantities. */
    private static final Map<String, BigInteger> QUANTITY_SUFFIXES = Map.ofEntries(
            Map.entry("", BigInteger.ONE),
            Map.entry("Ki", BigInteger.TWO.pow(10)), Map.entry("Mi", BigInteger.TWO.pow(20)),
            Map.entry("Gi", BigInteger.TWO.pow(30)), Map.entry("Ti", BigInteger.TWO.pow(40)),
            Map.entry("Pi", BigInteger.TWO.pow(50)), Map.entry("Ei", BigInteger.TWO.pow(60)),
            Map.entry("k", BigInteger.TEN.pow(3)), Map.entry("M", BigInteger.TEN.pow(6)),
            Map.entry("G", BigInteger.TEN.pow(9)), Map.entry("T", BigInteger.TEN.pow(12)),
            Map.entry("P", BigInteger.TEN.pow(15)), Map.entry("E", BigInteger.TEN.pow(18)));

    private GoValues() {
    }

    /** {@code 1 t T TRUE true True} and {@code 0 f F FALSE false False}, nothing else. */
    static boolean parseBool(String text) {
        return switch (text) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new IllegalArgumentException("invalid boolean \"" + text + "\" (true or false)");
        };
    }

    /** A decimal integer (an optional sign, digits). */
    static int parseInt(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid integer \"" + text + "\"");
        }
    }

    /**
     * A Go duration: a possibly signed sequence of decimal numbers, each with a unit ({@code ns us µs ms s m h}),
     * e.g. {@code 50ms}, {@code 1.5s}, {@code 2h45m}; a bare {@code 0} is zero. Precision is kept to the nanosecond.
     */
    static Duration parseDuration(String text) {
        String s = text;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalidDuration(text);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            Long unit = DURATION_UNITS_NANOS.get(s.substring(unitStart, i));
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')
                    || unit == null) {
                throw invalidDuration(text);
            }
            nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unit)));
        }
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("duration \"" + text + "\" is too long");
        }
        Duration d = Duration.ofNanos(nanos.longValue());
        return negative ? d.negated() : d;
    }

    private static IllegalArgumentException invalidDuration(String text) {
        return new IllegalArgumentException("invalid duration \"" + text + "\" (e.g. 50ms, 5s, 1m30s)");
    }

    /**
     * A byte size as llm-d reads its gRPC message limits: a Kubernetes quantity ({@code 10Mi}, {@code 25M},
     * {@code 4194304}), where a trailing {@code B} is dropped first so that {@code 10MiB} and {@code 25MB} work.
     */
    static long parseByteSize(String text) {
        String s = text.trim();
        if (s.length() > 1 && (s.endsWith("B") || s.endsWith("b"))) {
            s = s.substring(0, s.length() - 1);
        }
        int split = s.length();
        while (split > 0 && Character.isLetter(s.charAt(split - 1))) {
            split--;
        }
        BigInteger multiplier = QUANTITY_SUFFIXES.get(s.substring(split));
        String number = s.substring(0, split);
        if (multiplier == null || number.isEmpty()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\" (e.g. 4194304, 10Mi, 10MiB, 25MB)");
        }
        BigDecimal bytes;
        try {
            bytes = new BigDecimal(number).multiply(new BigDecimal(multiplier));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size \"" + text + "\" (e.g. 4194304, 10Mi, 10MiB, 25MB)");
        }
        if (bytes.signum() < 0) {
            throw new IllegalArgumentException("size \"" + text + "\" must not be negative");
        }
        // Kubernetes rounds a fractional number of bytes up
        BigInteger rounded = bytes.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
        if (rounded.bitLength() > 63) {
            throw new IllegalArgumentException("size \"" + text + "\" is too large");
        }
        return rounded.longValueExact();
    }

    /** {@code camelCase} to {@code kebab-case}: GAIE up to v0.5 (and KServe v0.16) spelled flags {@code poolName}. */
    static String kebab(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    sb.append('-');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
