package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;

/** Chooses the target endpoints of a profile from the scored candidates. Exactly one per profile. */
public non-sealed interface Picker extends SchedulingPlugin {

    /**
     * @param endpoints the candidates that survived the filters
     * @param scores their total weighted scores, {@code scores[i]} for {@code endpoints.get(i)}
     * @return the chosen endpoints, best first; empty only when {@code endpoints} is empty
     */
    List<ScoredEndpoint> pick(SchedulingContext context, List<Endpoint> endpoints, double[] scores);
}
