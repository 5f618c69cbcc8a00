package io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.single;

import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileHandler;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;

/** {@code single-profile-handler}: runs the one configured profile once; it is the primary. */
public final class SingleProfileHandler implements ProfileHandler {

    public static final String TYPE = "single-profile-handler";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new SingleProfileHandler(name);
    };

    private final TypedName typedName;

    public SingleProfileHandler(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<SchedulerProfile> pick(SchedulingContext context, Map<String, SchedulerProfile> profiles,
            Map<String, ProfileRunResult> resultsSoFar) {
        if (!resultsSoFar.isEmpty()) {
            return List.of();
        }
        return List.of(profiles.values().iterator().next());
    }

    @Override
    public SchedulingResult processResults(SchedulingContext context, Map<String, ProfileRunResult> results) {
        Map.Entry<String, ProfileRunResult> only = results.entrySet().iterator().next();
        return only.getValue() == null ? SchedulingResult.failed(results) : new SchedulingResult(only.getKey(), results);
    }
}
