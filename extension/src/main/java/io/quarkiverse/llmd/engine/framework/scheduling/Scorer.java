package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;

/**
 * Rates each candidate endpoint in [0, 1]; higher is better. The framework clamps out-of-range scores and adds
 * {@code weight * score} into the endpoint's total.
 */
public non-sealed interface Scorer extends SchedulingPlugin {

    ScorerCategory category();

    /**
     * Writes one score per endpoint: {@code scores[i]} for {@code endpoints.get(i)}. The array is scratch space of
     * at least {@code endpoints.size()} entries, zeroed before the call.
     */
    void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores);
}
