package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.Arrays;
import java.util.List;

/**
 * A named pipeline of filters, weighted scorers and one picker (llm-d's SchedulerProfile). Filters run in order and
 * the run fails as soon as one leaves nothing; each score is clamped to [0, 1] and added as
 * {@code weight * score} (a plain weighted sum, not normalised by the total weight, as in llm-d); the picker then
 * chooses among all remaining endpoints.
 */
public final class SchedulerProfile {

    private final String name;
    private final List<Filter> filters;
    private final List<WeightedScorer> scorers;
    private final Picker picker;

    public SchedulerProfile(String name, List<Filter> filters, List<WeightedScorer> scorers, Picker picker) {
        if (picker == null) {
            throw new IllegalArgumentException("profile " + name + " has no picker");
        }
        this.name = name;
        this.filters = List.copyOf(filters);
        this.scorers = List.copyOf(scorers);
        this.picker = picker;
    }

    public String name() {
        return name;
    }

    public List<Filter> filters() {
        return filters;
    }

    public List<WeightedScorer> scorers() {
        return scorers;
    }

    public Picker picker() {
        return picker;
    }

    /**
     * Runs the profile over the candidates.
     *
     * @return the picked endpoints, or null when the filters left nothing or the picker chose nothing
     */
    public ProfileRunResult run(SchedulingContext context, List<Endpoint> candidates) {
        DecisionTrace trace = context.trace();
        List<Endpoint> current = candidates;
        for (Filter filter : filters) {
            List<Endpoint> before = current;
            current = filter.filter(context, current);
            if (trace != null) {
                trace.filtered(this, filter, before, current);
            }
            if (current.isEmpty()) {
                return null;
            }
        }
        int n = current.size();
        double[] totals = new double[n];
        if (!scorers.isEmpty()) {
            double[] scores = context.scratch(n);
            for (WeightedScorer weighted : scorers) {
                Arrays.fill(scores, 0, n, 0.0);
                weighted.scorer().score(context, current, scores);
                double weight = weighted.weight();
                for (int i = 0; i < n; i++) {
                    scores[i] = clamp(scores[i]);
                    totals[i] += scores[i] * weight;
                }
                if (trace != null) {
                    trace.scored(this, weighted, current, scores);
                }
            }
        }
        List<ScoredEndpoint> picked = picker.pick(context, current, totals);
        return picked.isEmpty() ? null : new ProfileRunResult(picked);
    }

    private static double clamp(double score) {
        if (score > 1.0) {
            return 1.0;
        }
        return score >= 0.0 ? score : 0.0; // also maps NaN to 0
    }

    @Override
    public String toString() {
        return "SchedulerProfile[" + name + "]";
    }
}
