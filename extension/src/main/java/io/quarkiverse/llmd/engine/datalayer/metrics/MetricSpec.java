package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Selects series of one metric by exact label values, written as llm-d's engineConfigs specs:
 * {@code metric_name} or {@code metric_name{label=value,other="quoted value"}}. Values may be bare or double-quoted
 * (with {@code \\}, {@code \"} and {@code \n} escapes in quotes), as llm-d accepts both. Only equality matchers
 * exist: a PromQL {@code !=}, {@code =~} or {@code !~} is refused rather than silently ignored.
 *
 * @param name the metric (sample) name
 * @param labels required label values; a series matches when it has all of them
 */
public record MetricSpec(String name, Map<String, String> labels) {

    public MetricSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("metric spec needs a metric name");
        }
        labels = Map.copyOf(labels);
    }

    /** A spec matching every series of a metric. */
    public static MetricSpec of(String name) {
        return new MetricSpec(name, Map.of());
    }

    /**
     * Parses the spec syntax.
     *
     * @return the spec, or null for a null or blank string (a disabled spec, as in llm-d)
     * @throws IllegalArgumentException with a message naming the problem
     */
    public static MetricSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        String s = spec.strip();
        int brace = s.indexOf('{');
        if (brace < 0) {
            checkName(s, spec);
            return new MetricSpec(s, Map.of());
        }
        String name = s.substring(0, brace).strip();
        checkName(name, spec);
        if (!s.endsWith("}")) {
            throw new IllegalArgumentException("metric spec '" + spec + "' must end with '}'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        int i = brace + 1;
        int end = s.length() - 1;
        while (true) {
            i = skipSpace(s, i, end);
            if (i >= end) {
                break;
            }
            int ls = i;
            while (i < end && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            String label = s.substring(ls, i);
            if (label.isEmpty()) {
                throw new IllegalArgumentException("metric spec '" + spec + "' has an empty label name at " + ls);
            }
            i = skipSpace(s, i, end);
            if (i >= end || s.charAt(i) != '=') {
                throw new IllegalArgumentException("metric spec '" + spec + "': label '" + label
                        + "' must be followed by '=' (only equality matchers are supported)");
            }
            i++;
            if (i < end && (s.charAt(i) == '~' || s.charAt(i) == '=')) {
                throw new IllegalArgumentException("metric spec '" + spec + "': only '=' matchers are supported");
            }
            i = skipSpace(s, i, end);
            String value;
            if (i < end && s.charAt(i) == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < end) {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < end) {
                        char n = s.charAt(i + 1);
                        sb.append(n == 'n' ? '\n' : n);
                        i += 2;
                    } else if (c == '"') {
                        closed = true;
                        i++;
                        break;
                    } else {
                        sb.append(c);
                        i++;
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("metric spec '" + spec + "': unterminated quoted value");
                }
                value = sb.toString();
            } else {
                int vs = i;
                while (i < end && s.charAt(i) != ',') {
                    i++;
                }
                value = s.substring(vs, i).strip();
                if (value.isEmpty() || value.indexOf('"') >= 0) {
                    throw new IllegalArgumentException("metric spec '" + spec + "': bad value for label '" + label
                            + "'");
                }
            }
            if (!label.startsWith("__")) { // pseudo labels such as __name__ select nothing here, as in llm-d
                labels.put(label, value);
            }
            i = skipSpace(s, i, end);
            if (i < end) {
                if (s.charAt(i) != ',') {
                    throw new IllegalArgumentException("metric spec '" + spec + "': expected ',' at " + i);
                }
                i++;
            }
        }
        return new MetricSpec(name, labels);
    }

    private static void checkName(String name, String spec) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty metric name in specification '" + spec + "'");
        }
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
                    || (k > 0 && c >= '0' && c <= '9');
            if (!ok) {
                throw new IllegalArgumentException("invalid metric name '" + name + "' in specification '" + spec
                        + "'");
            }
        }
    }

    private static int skipSpace(String s, int i, int end) {
        while (i < end && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Whether a series with these labels is selected. */
    public boolean matches(Labels seriesLabels) {
        return seriesLabels.matches(labels);
    }

    /** The selected samples of a scrape, in exposition order. */
    public List<Sample> select(ParsedMetrics metrics) {
        List<Sample> all = metrics.samples(name);
        if (labels.isEmpty() || all.isEmpty()) {
            return all;
        }
        List<Sample> out = new ArrayList<>(all.size());
        for (Sample s : all) {
            if (matches(s.labels())) {
                out.add(s);
            }
        }
        return out;
    }

    /** The spec in its string syntax, labels sorted by name. */
    @Override
    public String toString() {
        if (labels.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append('{');
        new java.util.TreeMap<>(labels).forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : ",").append(k).append("=\"")
                .append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
        return sb.append('}').toString();
    }
}
