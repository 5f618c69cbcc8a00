package io.quarkiverse.llmd.engine.framework.plugin;

import java.util.Optional;

/** Lets a factory find other plugins of the same configuration, for instance a decider named by a profile handler. */
public interface PluginHandle {

    /** The plugin instance with this name, if it was declared before the one being created. */
    Optional<Plugin> plugin(String name);

    /** Handle for plugins created outside a configuration. */
    PluginHandle NONE = name -> Optional.empty();
}
