package io.quarkiverse.llmd.engine.framework.datalayer;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * A plugin that says where the pool's endpoints come from instead of Kubernetes, named by
 * {@code dataLayer.discovery.pluginRef} (for instance {@code file-discovery}). It carries the validated settings and
 * the pure parts (parsing); the runtime owns the watching, since the engine has no threads.
 */
public interface EndpointDiscovery extends Plugin {
}
