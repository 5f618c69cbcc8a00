package io.quarkiverse.llmd.engine.pipeline;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;

/** Combines the traces of several {@link DecisionObserver}s watching one cycle. */
final class DecisionTraces {

    private DecisionTraces() {
    }

    static DecisionTrace both(DecisionTrace a, DecisionTrace b) {
        return new DecisionTrace() {
            @Override
            public void filtered(SchedulerProfile profile, Filter filter, List<Endpoint> before, List<Endpoint> kept) {
                a.filtered(profile, filter, before, kept);
                b.filtered(profile, filter, before, kept);
            }

            @Override
            public void scored(SchedulerProfile profile, WeightedScorer scorer, List<Endpoint> endpoints,
                    double[] scores) {
                a.scored(profile, scorer, endpoints, scores);
                b.scored(profile, scorer, endpoints, scores);
            }
        };
    }
}
