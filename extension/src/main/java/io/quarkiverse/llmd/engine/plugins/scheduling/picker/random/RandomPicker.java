package io.quarkiverse.llmd.engine.plugins.scheduling.picker.random;

import java.util.List;

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
        return RandomPicks.uniform(context.random(), endpoints, scores, maxNumOfEndpoints);
    }

}
