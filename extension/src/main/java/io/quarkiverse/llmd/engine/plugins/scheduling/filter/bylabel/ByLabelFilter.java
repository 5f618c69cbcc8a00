package io.quarkiverse.llmd.engine.plugins.scheduling.filter.bylabel;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.Filters;

/**
 * {@code by-label} (deprecated, use {@code label-selector-filter}): keeps the endpoints whose label {@code label}
 * has one of {@code validValues}; endpoints without the label are kept only when {@code allowsNoLabel} is set.
 */
public final class ByLabelFilter implements Filter {

    public static final String TYPE = "by-label";
    /** The type to use instead. */
    public static final String REPLACEMENT = "label-selector-filter";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new ByLabelFilter(name,
            Parameters.decode(parameters, ByLabelParameters.class));

    /**
     * @param label the label key; required
     * @param validValues values that pass; default none
     * @param allowsNoLabel whether endpoints without the label pass; default false
     */
    public record ByLabelParameters(String label, List<String> validValues, Boolean allowsNoLabel) {

        public ByLabelParameters {
            if (label == null || label.isBlank()) {
                throw new PluginConfigException("label", "label is required");
            }
            validValues = validValues == null ? List.of() : List.copyOf(validValues);
            if (allowsNoLabel == null) {
                allowsNoLabel = false;
            }
            // Such a filter would drop every endpoint and fail every request: almost certainly a typo.
            if (validValues.isEmpty() && !allowsNoLabel) {
                throw new PluginConfigException("validValues",
                        "validValues must not be empty unless allowsNoLabel is true (the filter would drop everything)");
            }
        }
    }

    private final TypedName typedName;
    private final String label;
    private final Set<String> validValues;
    private final boolean allowsNoLabel;
    private final Predicate<Endpoint> keep = this::keeps;

    public ByLabelFilter(String name, ByLabelParameters parameters) {
        this.typedName = new TypedName(TYPE, name);
        this.label = parameters.label();
        this.validValues = Set.copyOf(parameters.validValues());
        this.allowsNoLabel = parameters.allowsNoLabel();
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        return Filters.retain(endpoints, keep);
    }

    private boolean keeps(Endpoint endpoint) {
        String value = endpoint.labels().get(label);
        return value == null ? allowsNoLabel : validValues.contains(value);
    }
}
