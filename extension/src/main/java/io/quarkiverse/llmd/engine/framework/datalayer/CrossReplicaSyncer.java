package io.quarkiverse.llmd.engine.framework.datalayer;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * A plugin that shares per-endpoint state between gateway replicas, named by
 * {@code dataLayer.crossReplicaSyncerPluginRef}. No built-in plugin implements it yet, so a configuration naming one
 * fails unless the application registers its own.
 */
public interface CrossReplicaSyncer extends Plugin {
}
