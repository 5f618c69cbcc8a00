package io.quarkiverse.llmd.engine.flowcontrol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Parses Kubernetes resource quantities as llm-d's {@code flowControl.maxBytes} and {@code maxRequests} accept them:
 * a plain integer ({@code 1000}), a decimal number, an exponent ({@code 1e9}), a binary suffix
 * ({@code Ki Mi Gi Ti Pi Ei}) or a decimal suffix ({@code k M G T P E}, and {@code m} for thousandths). Quantities
 * arrive either as YAML numbers or as strings. Fractions are rounded up, as {@code Quantity.Value()} does.
 */
public final class Quantity {

    private Quantity() {
    }

    /**
     * @param field the field name, reported in the error
     * @throws IllegalArgumentException naming the field when the text is not a non-negative quantity
     */
    public static long parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw invalid(field, text);
        }
        String t = text.trim();
        int end = t.length();
        BigDecimal multiplier = BigDecimal.ONE;
        String suffix = suffixOf(t);
        if (!suffix.isEmpty()) {
            end -= suffix.length();
            multiplier = switch (suffix) {
                case "Ki" -> BigDecimal.valueOf(1L << 10);
                case "Mi" -> BigDecimal.valueOf(1L << 20);
                case "Gi" -> BigDecimal.valueOf(1L << 30);
                case "Ti" -> BigDecimal.valueOf(1L << 40);
                case "Pi" -> BigDecimal.valueOf(1L << 50);
                case "Ei" -> BigDecimal.valueOf(1L << 60);
                case "m" -> new BigDecimal("0.001");
                case "k" -> BigDecimal.valueOf(1_000L);
                case "M" -> BigDecimal.valueOf(1_000_000L);
                case "G" -> BigDecimal.valueOf(1_000_000_000L);
                case "T" -> BigDecimal.valueOf(1_000_000_000_000L);
                case "P" -> BigDecimal.valueOf(1_000_000_000_000_000L);
                case "E" -> BigDecimal.valueOf(1_000_000_000_000_000_000L);
                default -> throw invalid(field, text);
            };
        }
        String number = t.substring(0, end);
        if (number.isEmpty() || !number.matches("[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
            if (number.startsWith("-")) {
                throw new IllegalArgumentException(field + " must not be negative, got '" + text + "'");
            }
            throw invalid(field, text);
        }
        if (!suffix.isEmpty() && number.matches(".*[eE].*")) {
            throw invalid(field, text);
        }
        BigDecimal value = new BigDecimal(number.startsWith("+") ? number.substring(1) : number).multiply(multiplier);
        BigInteger whole = value.setScale(0, RoundingMode.CEILING).toBigInteger();
        if (whole.bitLength() > 62) {
            throw new IllegalArgumentException(field + " is out of range: '" + text + "'");
        }
        return whole.longValueExact();
    }

    private static String suffixOf(String t) {
        int i = t.length();
        while (i > 0 && Character.isLetter(t.charAt(i - 1))) {
            i--;
        }
        String suffix = t.substring(i);
        // "1e3" is an exponent, not a suffix "e3"; a bare trailing 'e'/'E' with digits before it is the exa suffix.
        return suffix;
    }

    private static IllegalArgumentException invalid(String field, String text) {
        return new IllegalArgumentException(field + " must be a quantity such as 1000, \"500M\", \"10k\" or \"1Gi\","
                + " got '" + text + "'");
    }
}
