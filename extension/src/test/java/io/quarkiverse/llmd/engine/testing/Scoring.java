package io.quarkiverse.llmd.engine.testing;

import java.util.ArrayList;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;

/** Runs scorers the way tests need: raw, or through a profile so the framework's clamping applies. */
public final class Scoring {

    private Scoring() {
    }

    /** The scorer's raw output, on a zeroed array one longer than needed to catch writes past the end. */
    public static double[] raw(Scorer scorer, SchedulingContext context, List<Endpoint> endpoints) {
        double[] scores = new double[endpoints.size() + 1];
        scorer.score(context, endpoints, scores);
        if (scores[endpoints.size()] != 0.0) {
            throw new AssertionError("scorer wrote past the candidates");
        }
        double[] exact = new double[endpoints.size()];
        System.arraycopy(scores, 0, exact, 0, exact.length);
        return exact;
    }

    /** The totals a profile with only this scorer (weight 1) hands to its picker: clamped to [0, 1], NaN as 0. */
    public static double[] clamped(Scorer scorer, SchedulingContext context, List<Endpoint> endpoints) {
        List<double[]> seen = new ArrayList<>();
        Picker capture = new Picker() {
            @Override
            public TypedName typedName() {
                return new TypedName("capture", "capture");
            }

            @Override
            public List<ScoredEndpoint> pick(SchedulingContext ctx, List<Endpoint> candidates, double[] scores) {
                seen.add(scores.clone());
                return List.of(new ScoredEndpoint(candidates.get(0), scores[0]));
            }
        };
        new SchedulerProfile("test", List.of(), List.of(new WeightedScorer(scorer, 1.0)), capture).run(context,
                endpoints);
        return seen.get(0);
    }
}
