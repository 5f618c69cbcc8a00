package io.quarkiverse.llmd.engine.plugins.scheduling.picker.weightedrandom;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.PickerParameters;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.RandomPicks;

/**
 * {@code weighted-random-picker}: draws {@code maxNumOfEndpoints} candidates without replacement with probability
 * proportional to their scores, by A-Res weighted reservoir sampling (Efraimidis and Spirakis): each candidate
 * gets the key {@code U^(1/score)} with {@code U} uniform in (0, 1] and the largest keys win. Keys are compared as
 * {@code ln(U)/score}, the same order without underflow for small scores. Candidates scoring 0 or less come after
 * every positive one, in random order; when no score is positive the pick is uniform, as with
 * {@code random-picker}.
 */
public final class WeightedRandomPicker implements Picker {

    public static final String TYPE = "weighted-random-picker";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new WeightedRandomPicker(name,
            Parameters.decode(parameters, PickerParameters.class).maxNumOfEndpoints());

    private final TypedName typedName;
    private final int maxNumOfEndpoints;

    public WeightedRandomPicker(String name, int maxNumOfEndpoints) {
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
        if (!anyPositive(scores, n)) {
            return RandomPicks.uniform(random, endpoints, scores, maxNumOfEndpoints);
        }
        if (maxNumOfEndpoints == 1) {
            // Single pass: no key array, no sort. Only positive scores can win here.
            int best = -1;
            double bestKey = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (scores[i] > 0) {
                    double key = key(random, scores[i]);
                    if (best < 0 || key > bestKey) {
                        best = i;
                        bestKey = key;
                    }
                }
            }
            return List.of(new ScoredEndpoint(endpoints.get(best), scores[best]));
        }
        double[] keys = new double[n];
        double[] tieBreak = new double[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            keys[i] = scores[i] > 0 ? key(random, scores[i]) : Double.NEGATIVE_INFINITY;
            tieBreak[i] = random.nextDouble();
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(keys[b], keys[a]);
            return c != 0 ? c : Double.compare(tieBreak[a], tieBreak[b]);
        });
        int take = Math.min(maxNumOfEndpoints, n);
        List<ScoredEndpoint> picked = new ArrayList<>(take);
        for (int i = 0; i < take; i++) {
            picked.add(new ScoredEndpoint(endpoints.get(order[i]), scores[order[i]]));
        }
        return picked;
    }

    /** {@code ln(U)/score}, monotone in {@code U^(1/score)}; U in (0, 1] so the logarithm is finite. */
    private static double key(RandomGenerator random, double score) {
        double u = 1.0 - random.nextDouble();
        return Math.log(u) / score;
    }

    private static boolean anyPositive(double[] scores, int n) {
        for (int i = 0; i < n; i++) {
            if (scores[i] > 0) {
                return true;
            }
        }
        return false;
    }
}
