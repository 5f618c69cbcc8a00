package io.quarkiverse.llmd.engine.plugins.scheduling.filter.encode;

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
 * {@code encode-filter}: keeps the endpoints whose {@code llm-d.ai/role} label is one of {@link #ROLES}.
 * Unlabeled pods are excluded: encoding runs only on pods deliberately set up as encoders.
 */
public final class EncodeFilter implements Filter {

    public static final String TYPE = "encode-filter";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new EncodeFilter(name);
    };

    /** Role label values this filter keeps. */
    public static final Set<String> ROLES = Set.of("encode", "encode-prefill", "encode-prefill-decode");

    private static final Predicate<Endpoint> KEEP = Filters.roleIn(ROLES, false);

    private final TypedName typedName;

    public EncodeFilter(String name) {
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
