package io.quarkiverse.llmd.engine.plugins.scheduling.decider.always;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.PdDecider;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/** {@code always-disagg-pd-decider}: always runs the stage, for tests and for pools where every prefill is remote. */
public final class AlwaysDisaggPdDecider implements PdDecider {

    public static final String TYPE = "always-disagg-pd-decider";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new AlwaysDisaggPdDecider(name);
    };

    private final TypedName typedName;

    public AlwaysDisaggPdDecider(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public boolean disaggregate(SchedulingContext context, Endpoint decodeTarget) {
        return true;
    }
}
