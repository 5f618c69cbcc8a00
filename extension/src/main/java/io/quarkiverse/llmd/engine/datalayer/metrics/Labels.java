package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels of one sample, in exposition order. Lookup is a linear scan: series carry a handful of labels, and a
 * scan over a flat array beats hashing for that size. Immutable.
 */
public final class Labels {

    /** No labels. */
    public static final Labels EMPTY = new Labels(new String[0]);

    /** name0, value0, name1, value1, ... */
    private final String[] pairs;

    private Labels(String[] pairs) {
        this.pairs = pairs;
    }

    /** Labels from alternating names and values. */
    public static Labels of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("labels need name/value pairs");
        }
        return namesAndValues.length == 0 ? EMPTY : new Labels(namesAndValues.clone());
    }

    /** Takes ownership of the array (parser use). */
    static Labels wrap(String[] pairs, int length) {
        if (length == 0) {
            return EMPTY;
        }
        return new Labels(length == pairs.length ? pairs : Arrays.copyOf(pairs, length));
    }

    /** The value of a label, or null. When a name repeats, the last value wins. */
    public String get(String name) {
        String found = null;
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                found = pairs[i + 1];
            }
        }
        return found;
    }

    public int size() {
        return pairs.length / 2;
    }

    public String name(int i) {
        return pairs[2 * i];
    }

    public String value(int i) {
        return pairs[2 * i + 1];
    }

    /** Whether every given label is present with the given value. */
    public boolean matches(Map<String, String> required) {
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** A map view, in exposition order. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels other && Arrays.equals(pairs, other.pairs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pairs);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(pairs[i]).append("=\"").append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n")).append('"');
        }
        return sb.append('}').toString();
    }
}
