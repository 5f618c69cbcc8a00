package io.quarkiverse.llmd.engine.plugins.scheduling.picker.random;

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
 * {@code random-picker}: {@code maxNumOfEndpoints} candidates chosen uniformly at random without replacement,
 * ignoring the scores (which are still reported with each pick).
 */
public final class RandomPicker implements Picker {

    public static final String TYPE = "random-picker";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new RandomPicker(name,
            Parameters.decode(parameters, PickerParameters.class).maxNumOfEndpoints());

    private final TypedName typedName;
    private final int maxNumOfEndpoints;

    public RandomPicker(String name, int maxNumOfEndpoints) {
        this.typedName = new TypedName(TYPE, name);
        this.maxNumOfEndpoints = maxNumOfEndpoints;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<ScoredEndpoint> pick(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        return uniform(context.random(), endpoints, scores, maxNumOfEndpoints);
    }

    /**
     * Up to {@code k} distinct endpoints drawn uniformly at random, in draw order. A partial Fisher-Yates shuffle:
     * only the first {@code k} positions are shuffled, so picking one of many costs one random number.
     */
    public static List<ScoredEndpoint> uniform(RandomGenerator random, List<Endpoint> endpoints, double[] scores,
            int k) {
        int n = endpoints.size();
        if (n == 0) {
            return List.of();
        }
        if (k == 1 || n == 1) {
            int i = n == 1 ? 0 : random.nextInt(n);
            return List.of(new ScoredEndpoint(endpoints.get(i), scores[i]));
        }
        int take = Math.min(k, n);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        List<ScoredEndpoint> picked = new ArrayList<>(take);
        for (int i = 0; i < take; i++) {
            int j = i + random.nextInt(n - i);
            int chosen = order[j];
            order[j] = order[i];
            order[i] = chosen;
            picked.add(new ScoredEndpoint(endpoints.get(chosen), scores[chosen]));
        }
        return picked;
    }
}
