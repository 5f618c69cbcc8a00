package io.quarkiverse.llmd.engine.plugins.scheduling.decider.multimodal;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.PdDecider;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * {@code always-disagg-multimodal-decider}: runs the stage (typically encode) exactly for multimodal requests, those
 * with an image, audio or video content block; text-only requests have nothing to encode.
 */
public final class AlwaysDisaggMultimodalDecider implements PdDecider {

    public static final String TYPE = "always-disagg-multimodal-decider";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new AlwaysDisaggMultimodalDecider(name);
    };

    private final TypedName typedName;

    public AlwaysDisaggMultimodalDecider(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public boolean disaggregate(SchedulingContext context, Endpoint decodeTarget) {
        return context.request().multimodal();
    }
}
