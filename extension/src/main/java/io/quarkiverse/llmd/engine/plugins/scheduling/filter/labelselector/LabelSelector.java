package io.quarkiverse.llmd.engine.plugins.scheduling.filter.labelselector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * A Kubernetes label selector ({@code metav1.LabelSelector}): every {@code matchLabels} entry and every
 * {@code matchExpressions} requirement must hold. The empty selector matches everything, as in Kubernetes.
 *
 * @param matchLabels labels that must be present with exactly these values
 * @param matchExpressions set-based requirements
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions)
        implements Predicate<Endpoint> {

    /** The operators Kubernetes accepts in a label selector requirement. */
    public static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");

    // Kubernetes' qualified-name and label-value syntax, so that a selector kubectl would reject fails here too.
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public LabelSelector {
        matchLabels = matchLabels == null ? Map.of() : new TreeMap<>(matchLabels);
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            requireKey("matchLabels", e.getKey());
            requireValue("matchLabels." + e.getKey(), e.getValue());
        }
        matchExpressions = matchExpressions == null ? List.of() : new ArrayList<>(matchExpressions);
        for (int i = 0; i < matchExpressions.size(); i++) {
            Requirement r = matchExpressions.get(i);
            if (r == null) {
                throw new PluginConfigException("matchExpressions[" + i + "]", "requirement must not be null");
            }
            r.validate("matchExpressions[" + i + "]");
        }
        matchLabels = Map.copyOf(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    /** True when the selector has no requirement at all and therefore matches every endpoint. */
    public boolean matchesEverything() {
        return matchLabels.isEmpty() && matchExpressions.isEmpty();
    }

    @Override
    public boolean test(Endpoint endpoint) {
        Map<String, String> labels = endpoint.labels();
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (int i = 0; i < matchExpressions.size(); i++) {
            if (!matchExpressions.get(i).test(labels)) {
                return false;
            }
        }
        return true;
    }

    /**
     * One set-based requirement.
     *
     * @param key the label key
     * @param operator {@code In}, {@code NotIn}, {@code Exists} or {@code DoesNotExist}
     * @param values the values for {@code In}/{@code NotIn} (non-empty); must be empty for the other operators
     */
    public record Requirement(String key, String operator, List<String> values) {

        public Requirement {
            values = values == null ? List.of() : values;
        }

        void validate(String path) {
            requireKey(path + ".key", key);
            if (operator == null) {
                throw new PluginConfigException(path + ".operator", "operator is required, one of " + sorted());
            }
            if (!OPERATORS.contains(operator)) {
                throw new PluginConfigException(path + ".operator", "unknown operator '" + operator + "', expected one of "
                        + sorted());
            }
            boolean setBased = operator.equals("In") || operator.equals("NotIn");
            if (setBased && values.isEmpty()) {
                throw new PluginConfigException(path + ".values", "operator " + operator
                        + " needs at least one value");
            }
            if (!setBased && !values.isEmpty()) {
                throw new PluginConfigException(path + ".values", "operator " + operator + " takes no values");
            }
            for (int i = 0; i < values.size(); i++) {
                requireValue(path + ".values[" + i + "]", values.get(i));
            }
        }

        boolean test(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case "In" -> value != null && values.contains(value);
                // As in Kubernetes, NotIn also matches objects without the label.
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                default -> value == null; // DoesNotExist
            };
        }

        private static List<String> sorted() {
            return List.of("DoesNotExist", "Exists", "In", "NotIn");
        }
    }

    static void requireKey(String path, String key) {
        if (key == null || key.isEmpty()) {
            throw new PluginConfigException(path, "label key must not be empty");
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                throw new PluginConfigException(path, "invalid label key '" + key
                        + "': the prefix must be a DNS subdomain");
            }
        }
        if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new PluginConfigException(path, "invalid label key '" + key + "': the name must be 1-63 characters,"
                    + " alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character");
        }
    }

    static void requireValue(String path, String value) {
        if (value == null) {
            throw new PluginConfigException(path, "label value must not be null");
        }
        if (value.length() > 63 || !(value.isEmpty() || NAME.matcher(value).matches())) {
            throw new PluginConfigException(path, "invalid label value '" + value + "': at most 63 characters,"
                    + " alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character");
        }
    }
}
