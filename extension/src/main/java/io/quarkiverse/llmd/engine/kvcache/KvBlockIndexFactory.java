package io.quarkiverse.llmd.engine.kvcache;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;

/**
 * Builds the {@link KvBlockIndex} a precise prefix-cache plugin reads. The engine's own factory builds only
 * in-memory indexes; a runtime that can reach a shared store (the Quarkus runtime's Redis index) supplies its own
 * through {@code EndpointPickerConfigLoader.Options}, and the plugins receive it through their
 * {@code PluginHandle}. The factory, not the plugin, owns what it builds: it closes shared indexes when the runtime
 * stops.
 */
@FunctionalInterface
public interface KvBlockIndexFactory {

    /**
     * @param plugin the name of the plugin instance the index belongs to (part of a shared index's scope)
     * @param backend what the plugin's configuration chose
     * @param config capacity and tier weights of the index (of the local mirror, for a shared one)
     * @throws PluginConfigException when the backend cannot be built from its configuration
     */
    KvBlockIndex create(String plugin, KvIndexBackend backend, InMemoryKvBlockIndex.Config config);

    /** In-memory indexes only; a shared backend is refused with the field that asked for it. */
    KvBlockIndexFactory IN_MEMORY = (plugin, backend, config) -> {
        if (backend instanceof KvIndexBackend.Shared s) {
            throw new PluginConfigException(s.field(), s.kind().configName() + " needs the Quarkus runtime, which"
                    + " provides shared indexes; the engine alone builds in-memory ones");
        }
        return new InMemoryKvBlockIndex(config);
    };
}
