package io.quarkiverse.llmd.engine.framework.plugin;

import java.time.Duration;

/**
 * Parses duration parameters written the way llm-d (Go's {@code time.ParseDuration}) writes them: a sequence of
 * decimal numbers with units {@code ns, us (µs), ms, s, m, h}, for example {@code "200ms"}, {@code "1.5s"},
 * {@code "1h30m"}, optionally signed; a bare {@code "0"} is zero. Configurations written for llm-d must keep
 * loading, so ISO-8601 ({@code PT2S}) is deliberately not accepted.
 */
public final class GoDuration {

    private GoDuration() {
    }

    /**
     * @param field the parameter name, reported in the error
     * @throws PluginConfigException naming {@code field} when the text is not a Go duration
     */
    public static Duration parse(String field, String text) {
        if (text == null || text.isEmpty()) {
            throw invalid(field, text);
        }
        int i = 0;
        boolean negative = false;
        if (text.charAt(0) == '-' || text.charAt(0) == '+') {
            negative = text.charAt(0) == '-';
            i++;
        }
        if (text.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == text.length()) {
            throw invalid(field, text);
        }
        // Whole and fractional parts are kept apart so that "1.5s" or "0.2s" come out exact to the nanosecond.
        long totalNanos = 0;
        while (i < text.length()) {
            int start = i;
            long whole = 0;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                whole = Math.addExact(Math.multiplyExact(whole, 10), text.charAt(i) - '0');
                i++;
            }
            boolean hasWhole = i > start;
            long fraction = 0;
            long fractionScale = 1;
            if (i < text.length() && text.charAt(i) == '.') {
                i++;
                int fracStart = i;
                while (i < text.length() && Character.isDigit(text.charAt(i))) {
                    if (fractionScale < 1_000_000_000_000L) {
                        fraction = fraction * 10 + (text.charAt(i) - '0');
                        fractionScale *= 10;
                    }
                    i++;
                }
                if (!hasWhole && i == fracStart) {
                    throw invalid(field, text);
                }
            } else if (!hasWhole) {
                throw invalid(field, text);
            }
            int unitStart = i;
            while (i < text.length() && !Character.isDigit(text.charAt(i)) && text.charAt(i) != '.') {
                i++;
            }
            long unit = unitNanos(text.substring(unitStart, i));
            if (unit < 0) {
                throw invalid(field, text);
            }
            try {
                totalNanos = Math.addExact(totalNanos, Math.multiplyExact(whole, unit));
            } catch (ArithmeticException e) {
                throw new PluginConfigException(field, field + " is out of range: '" + text + "'");
            }
            totalNanos += (long) ((double) fraction * unit / fractionScale);
        }
        return Duration.ofNanos(negative ? -totalNanos : totalNanos);
    }

    /** Like {@link #parse} but rejects negative durations. */
    public static Duration parseNonNegative(String field, String text) {
        Duration d = parse(field, text);
        if (d.isNegative()) {
            throw new PluginConfigException(field, field + " must not be negative, got '" + text + "'");
        }
        return d;
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> -1L;
        };
    }

    private static PluginConfigException invalid(String field, String text) {
        return new PluginConfigException(field, field + " must be a duration such as \"200ms\", \"2s\" or \"1m30s\","
                + " got '" + text + "'");
    }
}
