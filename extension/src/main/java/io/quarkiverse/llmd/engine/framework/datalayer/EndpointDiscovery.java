package io.quarkiverse.llmd.engine.framework.datalayer;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * A plugin that says where the pool's endpoints come from instead of Kubernetes, named by
 * {@code dataLayer.discovery.pluginRef} (for instance {@code file-discovery}). It carries the validated settings and
 * the pure parts (reading and parsing); the runtime owns the watching, since the engine has no threads.
 */
public interface EndpointDiscovery extends Plugin {

    /**
     * The endpoints as the source holds them now. May block (file I/O): the runtime calls it off the event loop.
     *
     * @throws io.quarkiverse.llmd.engine.config.ConfigException naming file, line and field when the source is invalid
     */
    List<Endpoint> read();

    /** The file to watch for changes, when the source is a file and asks to be watched. */
    default Optional<Path> watchedFile() {
        return Optional.empty();
    }
}
