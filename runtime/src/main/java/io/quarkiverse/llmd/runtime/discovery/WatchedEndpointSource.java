package io.quarkiverse.llmd.runtime.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointDiscovery;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointSource;
import io.vertx.core.Vertx;

/**
 * Publishes the endpoints an {@link EndpointDiscovery} reads (llm-d's {@code file-discovery}), once at start and,
 * when it names a file to watch, again each time the file's modification time or size changes (checked every
 * {@code pollMillis}, off the event loop). A file that became invalid keeps the last good endpoints in force and
 * logs why, so a half-written edit never empties a pool.
 */
public final class WatchedEndpointSource implements EndpointSource {

    private static final Logger LOG = Logger.getLogger(WatchedEndpointSource.class);

    private final EndpointDiscovery discovery;
    private final Vertx vertx;
    private final long pollMillis;
    private final String pool;
    private volatile long timer = -1;
    private String lastStamp;

    public WatchedEndpointSource(String pool, EndpointDiscovery discovery, Vertx vertx, long pollMillis) {
        this.pool = pool;
        this.discovery = discovery;
        this.vertx = vertx;
        this.pollMillis = pollMillis;
    }

    /**
     * Publishes the first set synchronously (a configuration error at startup fails the start, as llm-d does), then
     * watches.
     */
    @Override
    public void start(Consumer<List<Endpoint>> publish) {
        Optional<Path> file = discovery.watchedFile();
        lastStamp = file.map(WatchedEndpointSource::stamp).orElse(null);
        publish.accept(discovery.read());
        if (file.isPresent()) {
            timer = vertx.setPeriodic(pollMillis, id -> vertx.executeBlocking(() -> {
                poll(file.get(), publish);
                return null;
            }, false));
        }
    }

    private synchronized void poll(Path file, Consumer<List<Endpoint>> publish) {
        String stamp = stamp(file);
        if (stamp == null || stamp.equals(lastStamp)) {
            return;
        }
        lastStamp = stamp;
        try {
            List<Endpoint> endpoints = discovery.read();
            publish.accept(endpoints);
            LOG.infof("pool %s: %s changed, %d endpoint(s) now", pool, file, endpoints.size());
        } catch (ConfigException e) {
            LOG.warnf("pool %s: %s is invalid, the previous endpoints stay in force: %s", pool, file,
                    e.getMessage());
        }
    }

    /** Modification time and size, or null when the file cannot be read (for instance while it is replaced). */
    private static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + ":" + a.size();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String describe() {
        return discovery.typedName().type() + discovery.watchedFile().map(f -> " " + f + " (watched)").orElse("");
    }

    @Override
    public void close() {
        long t = timer;
        if (t >= 0) {
            vertx.cancelTimer(t);
        }
    }
}
