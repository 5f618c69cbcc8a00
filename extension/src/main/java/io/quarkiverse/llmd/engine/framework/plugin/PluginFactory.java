package io.quarkiverse.llmd.engine.framework.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Creates plugin instances of one type from the {@code parameters} block of an EndpointPickerConfig entry.
 * Register it in a {@link PluginRegistry} under the llm-d type name.
 */
@FunctionalInterface
public interface PluginFactory {

    /**
     * @param name instance name from the config (never null; defaults to the type)
     * @param parameters the parameters as given, or an empty object; decode with {@link Parameters#decode}
     * @param handle access to other plugins by name, for plugins that reference each other
     * @throws PluginConfigException when the parameters are invalid
     */
    Plugin create(String name, JsonNode parameters, PluginHandle handle);
}
