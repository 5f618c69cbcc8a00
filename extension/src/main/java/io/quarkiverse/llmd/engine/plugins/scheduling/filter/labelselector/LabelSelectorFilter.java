package io.quarkiverse.llmd.engine.plugins.scheduling.filter.labelselector;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.Filters;

/**
 * {@code label-selector-filter} (deprecated alias {@code by-label-selector}): keeps the endpoints whose pod labels
 * match a Kubernetes label selector, given as the parameters themselves ({@code matchLabels},
 * {@code matchExpressions} with {@code In}, {@code NotIn}, {@code Exists}, {@code DoesNotExist}).
 */
public final class LabelSelectorFilter implements Filter {

    public static final String TYPE = "label-selector-filter";
    public static final String DEPRECATED_ALIAS = "by-label-selector";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new LabelSelectorFilter(name,
            Parameters.decode(parameters, LabelSelector.class));

    private final TypedName typedName;
    private final LabelSelector selector;

    public LabelSelectorFilter(String name, LabelSelector selector) {
        this.typedName = new TypedName(TYPE, name);
        this.selector = selector;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public LabelSelector selector() {
        return selector;
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        return selector.matchesEverything() ? endpoints : Filters.retain(endpoints, selector);
    }
}
