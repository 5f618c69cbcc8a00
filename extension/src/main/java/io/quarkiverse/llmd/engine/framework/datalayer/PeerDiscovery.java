package io.quarkiverse.llmd.engine.framework.datalayer;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * A plugin that finds the other replicas of this gateway, named by {@code dataLayer.peerDiscovery.pluginRef}. No
 * built-in plugin implements it yet, so a configuration naming one fails unless the application registers its own.
 */
public interface PeerDiscovery extends Plugin {
}
