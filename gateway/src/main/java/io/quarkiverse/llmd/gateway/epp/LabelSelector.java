package io.quarkiverse.llmd.gateway.epp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector in its string form, as {@code --endpoint-selector} takes it: comma-separated
 * requirements, each {@code key}, {@code !key}, {@code key=value} ({@code ==}), {@code key!=value},
 * {@code key in (a,b)}, {@code key notin (a,b)}, {@code key>3} or {@code key<3}. Keys and values are checked as the API
 * server checks label keys and values. An empty selector matches every pod.
 *
 * @param requirements all must hold
 */
public record LabelSelector(List<Requirement> requirements) {

    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final int MAX_NAME = 63;
    private static final int MAX_PREFIX = 253;

    /** Copies the list. */
    public LabelSelector {
        requirements = List.copyOf(requirements);
    }

    /** How a requirement compares a pod's label with its values. */
    public enum Operator {
        /** {@code key=v}, {@code key==v}. */
        EQUALS,
        /** {@code key!=v}: the label is absent or differs. */
        NOT_EQUALS,
        /** {@code key in (a,b)}. */
        IN,
        /** {@code key notin (a,b)}: the label is absent or none of them. */
        NOT_IN,
        /** {@code key}. */
        EXISTS,
        /** {@code !key}. */
        DOES_NOT_EXIST,
        /** {@code key>n}: the label is an integer above n. */
        GREATER_THAN,
        /** {@code key<n}: the label is an integer below n. */
        LESS_THAN
    }

    /**
     * One requirement.
     *
     * @param key the label key
     * @param operator the comparison
     * @param values the values compared with (none for EXISTS and DOES_NOT_EXIST)
     */
    public record Requirement(String key, Operator operator, List<String> values) {

        /** Copies the list. */
        public Requirement {
            values = List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case EQUALS, IN -> value != null && values.contains(value);
                case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
                case GREATER_THAN, LESS_THAN -> {
                    if (value == null) {
                        yield false;
                    }
                    try {
                        long actual = Long.parseLong(value);
                        long bound = Long.parseLong(values.get(0));
                        yield operator == Operator.GREATER_THAN ? actual > bound : actual < bound;
                    } catch (NumberFormatException e) {
                        yield false;
                    }
                }
            };
        }
    }

    /** Whether a pod with these labels is selected. */
    public boolean matches(Map<String, String> labels) {
        return requirements.stream().allMatch(r -> r.matches(labels));
    }

    /**
     * Parses the string form.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static LabelSelector parse(String text) {
        List<String> tokens = tokens(text);
        List<Requirement> requirements = new ArrayList<>();
        int i = 0;
        while (i < tokens.size()) {
            String first = tokens.get(i);
            if (first.equals("!")) {
                String key = key(at(tokens, i + 1, "a key after '!'"));
                requirements.add(new Requirement(key, Operator.DOES_NOT_EXIST, List.of()));
                i += 2;
            } else {
                String key = key(first);
                String op = i + 1 < tokens.size() ? tokens.get(i + 1) : ",";
                switch (op) {
                    case "," -> {
                        requirements.add(new Requirement(key, Operator.EXISTS, List.of()));
                        i += 1;
                    }
                    case "=", "==", "!=" -> {
                        String value = i + 2 < tokens.size() && !isSeparator(tokens.get(i + 2)) ? tokens.get(i + 2) : "";
                        requirements.add(new Requirement(key, op.equals("!=") ? Operator.NOT_EQUALS : Operator.EQUALS,
                                List.of(value(value))));
                        i += value.isEmpty() ? 2 : 3;
                    }
                    case ">", "<" -> {
                        String bound = at(tokens, i + 2, "an integer after '" + op + "'");
                        try {
                            Long.parseLong(bound);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("\"" + bound + "\" after '" + op + "' is not an integer");
                        }
                        requirements.add(new Requirement(key, op.equals(">") ? Operator.GREATER_THAN
                                : Operator.LESS_THAN, List.of(bound)));
                        i += 3;
                    }
                    case "in", "notin" -> {
                        if (!"(".equals(at(tokens, i + 2, "'(' after '" + op + "'"))) {
                            throw new IllegalArgumentException("expected '(' after '" + op + "'");
                        }
                        List<String> values = new ArrayList<>();
                        int j = i + 3;
                        while (true) {
                            String t = at(tokens, j, "')' closing the values of " + key);
                            if (t.equals(")")) {
                                break;
                            }
                            if (t.equals(",")) {
                                j++;
                                continue;
                            }
                            values.add(value(t));
                            j++;
                        }
                        if (values.isEmpty()) {
                            throw new IllegalArgumentException("'" + op + "' needs at least one value for " + key);
                        }
                        requirements.add(new Requirement(key, op.equals("in") ? Operator.IN : Operator.NOT_IN, values));
                        i = j + 1;
                    }
                    default -> throw new IllegalArgumentException("unexpected \"" + op + "\" after " + key);
                }
            }
            if (i < tokens.size()) {
                if (!tokens.get(i).equals(",") || i + 1 == tokens.size()) {
                    throw new IllegalArgumentException("expected ',' between requirements, got \"" + tokens.get(i) + "\"");
                }
                i++;
            }
        }
        return new LabelSelector(requirements);
    }

    private static boolean isSeparator(String token) {
        return token.equals(",");
    }

    private static String at(List<String> tokens, int i, String expected) {
        if (i >= tokens.size()) {
            throw new IllegalArgumentException("expected " + expected);
        }
        return tokens.get(i);
    }

    /** Words, and the operators {@code ! = == != > < ( ) ,}; whitespace only separates. */
    private static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '=' || c == '!') {
                boolean twoChars = i + 1 < text.length() && text.charAt(i + 1) == '=';
                tokens.add(twoChars ? c + "=" : String.valueOf(c));
                i += twoChars ? 2 : 1;
            } else if ("<>(),".indexOf(c) >= 0) {
                tokens.add(String.valueOf(c));
                i++;
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i))
                        && "=!<>(),".indexOf(text.charAt(i)) < 0) {
                    i++;
                }
                tokens.add(text.substring(start, i));
            }
        }
        return tokens;
    }

    private static String key(String key) {
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.isEmpty() || prefix.length() > MAX_PREFIX || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                throw new IllegalArgumentException("invalid label key \"" + key + "\": bad prefix");
            }
        }
        if (name.isEmpty() || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid label key \"" + key + "\"");
        }
        return key;
    }

    private static String value(String value) {
        if (!value.isEmpty() && (value.length() > MAX_NAME || !NAME.matcher(value).matches())) {
            throw new IllegalArgumentException("invalid label value \"" + value + "\"");
        }
        return value;
    }
}
