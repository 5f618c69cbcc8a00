package io.quarkiverse.llmd.engine.plugins.scheduling.picker.maxscore;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.PickerParameters;

/**
 * {@code max-score-picker}: the {@code maxNumOfEndpoints} highest scores, ties broken at random (llm-d shuffles then
 * sorts stably; choosing uniformly among equal scores is the same distribution without the shuffle).
 */
public final class MaxScorePicker implements Picker {

    public static final String TYPE = "max-score-picker";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new MaxScorePicker(name,
            Parameters.decode(parameters, PickerParameters.class).maxNumOfEndpoints());

    private final TypedName typedName;
    private final int maxNumOfEndpoints;

    public MaxScorePicker(String name, int maxNumOfEndpoints) {
        this.typedName = new TypedName(TYPE, name);
        this.maxNumOfEndpoints = maxNumOfEndpoints;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<ScoredEndpoint> pick(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        int n = endpoints.size();
        if (n == 0) {
            return List.of();
        }
        RandomGenerator random = context.random();
        if (maxNumOfEndpoints == 1) {
            // Single pass with reservoir sampling over ties: no sorting, no allocation beyond the result.
            int best = 0;
            int ties = 1;
            for (int i = 1; i < n; i++) {
                if (scores[i] > scores[best]) {
                    best = i;
                    ties = 1;
                } else if (scores[i] == scores[best] && random.nextInt(++ties) == 0) {
                    best = i;
                }
            }
            return List.of(new ScoredEndpoint(endpoints.get(best), scores[best]));
        }
        Integer[] order = new Integer[n];
        double[] tieBreak = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            tieBreak[i] = random.nextDouble();
        }
        java.util.Arrays.sort(order, (a, b) -> {
            int c = Double.compare(scores[b], scores[a]);
            return c != 0 ? c : Double.compare(tieBreak[a], tieBreak[b]);
        });
        int k = Math.min(maxNumOfEndpoints, n);
        List<ScoredEndpoint> picked = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            picked.add(new ScoredEndpoint(endpoints.get(order[i]), scores[order[i]]));
        }
        return picked;
    }
}
