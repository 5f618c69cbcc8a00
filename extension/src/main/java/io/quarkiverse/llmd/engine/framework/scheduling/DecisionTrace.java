package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;

/**
 * Observes the inside of a profile run: what each filter kept and what each scorer gave. Off by default (a null
 * check per step); the demo, the Dev UI and debugging tools switch it on per request.
 */
public interface DecisionTrace {

    /** A filter ran and kept {@code kept} of {@code before} endpoints. */
    default void filtered(SchedulerProfile profile, Filter filter, List<Endpoint> before, List<Endpoint> kept) {
    }

    /** A scorer ran; {@code scores[i]} (already clamped) is the score of {@code endpoints.get(i)}. */
    default void scored(SchedulerProfile profile, WeightedScorer scorer, List<Endpoint> endpoints, double[] scores) {
    }
}
