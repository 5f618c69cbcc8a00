package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;

/** Narrows the candidate endpoints of a profile. Filters run in order; an empty result fails the profile. */
public non-sealed interface Filter extends SchedulingPlugin {

    /**
     * @param endpoints the candidates left by the previous filters; must not be modified
     * @return the endpoints kept, in their original order (may be {@code endpoints} itself when all pass)
     */
    List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints);
}
