package io.quarkiverse.llmd.engine.plugins.scheduling.filter.decode;

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
 * {@code decode-filter}: keeps the endpoints whose {@code llm-d.ai/role} label is one of {@link #ROLES}, or that
 * carry no role label at all.
 * Unlabeled pods count as decode pods so that a pool that was never split into roles keeps serving when a P/D
 * configuration is rolled out before the labels.
 */
public final class DecodeFilter implements Filter {

    public static final String TYPE = "decode-filter";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new DecodeFilter(name);
    };

    /** Role label values this filter keeps. */
    public static final Set<String> ROLES = Set.of("decode", "prefill-decode", "both", "encode-prefill-decode");

    private static final Predicate<Endpoint> KEEP = Filters.roleIn(ROLES, true);

    private final TypedName typedName;

    public DecodeFilter(String name) {
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
