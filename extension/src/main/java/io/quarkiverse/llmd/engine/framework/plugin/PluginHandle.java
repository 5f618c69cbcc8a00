package io.quarkiverse.llmd.engine.framework.plugin;

import java.util.Optional;

import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexFactory;

/**
 * Lets a factory find other plugins of the same configuration, for instance a decider named by a profile handler,
 * and the services the loading runtime provides.
 */
public interface PluginHandle {

    /** The plugin instance with this name, if it was declared before the one being created. */
    Optional<Plugin> plugin(String name);

    /**
     * Builds the KV-block indexes of precise prefix-cache plugins: in-memory unless the runtime supplied a factory
     * for shared backends (through {@code EndpointPickerConfigLoader.Options}).
     */
    default KvBlockIndexFactory kvBlockIndexes() {
        return KvBlockIndexFactory.IN_MEMORY;
    }

    /** Handle for plugins created outside a configuration. */
    PluginHandle NONE = name -> Optional.empty();
}
