package io.quarkiverse.llmd.it.plugins;

import java.util.List;

import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkus.arc.Unremovable;
import io.smallrye.common.annotation.Identifier;

/** An application's own plugin type with parameters: a factory bean; the config names it and passes {@code name}. */
@Identifier("exclude-name-filter")
@Singleton
@Unremovable
public class ExcludeNameFilterFactory implements PluginFactory {

    /** Parameters of the filter. */
    public record Params(String excluded) {
    }

    @Override
    public Filter create(String name, com.fasterxml.jackson.databind.JsonNode parameters,
            io.quarkiverse.llmd.engine.framework.plugin.PluginHandle handle) {
        String excluded = Parameters.decode(parameters, Params.class).excluded();
        TypedName typedName = new TypedName("exclude-name-filter", name);
        return new Filter() {
            @Override
            public TypedName typedName() {
                return typedName;
            }

            @Override
            public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
                return endpoints.stream().filter(e -> !e.name().contains(excluded)).toList();
            }
        };
    }
}
