package io.quarkiverse.llmd.engine.plugins.scheduling.filter.prefill;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.Filters;

/**
 * {@code prefill-filter}: keeps the endpoints whose {@code llm-d.ai/role} label is one of {@link #ROLES}.
 * Unlabeled pods are excluded: a prefill sent to a pod that was not set up as a KV producer would fail the
 * transfer, so prefill needs an explicit role.
 */
public final class PrefillFilter implements Filter {

    public static final String TYPE = "prefill-filter";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new PrefillFilter(name);
    };

    /** Role label values this filter keeps. */
    public static final Set<String> ROLES = Set.of("prefill", "encode-prefill", "prefill-decode", "both",
            "encode-prefill-decode");

    private static final Predicate<Endpoint> KEEP = Filters.roleIn(ROLES, false);

    private final TypedName typedName;

    public PrefillFilter(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        return Filters.retain(endpoints, KEEP);
    }
}
