package io.quarkiverse.llmd.runtime.discovery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.EndpointSource;

/** The endpoint sources the pools were started with; closed when the application stops. */
@Singleton
public class EndpointSources {

    private static final Logger LOG = Logger.getLogger(EndpointSources.class);

    private final List<EndpointSource> started = new CopyOnWriteArrayList<>();

    /** Starts {@code source} publishing into {@code registry}. */
    public void start(String pool, EndpointSource source, EndpointRegistry registry) {
        source.start(registry::replaceAll);
        started.add(source);
        LOG.infof("pool %s: endpoints from %s", pool, source.describe());
    }

    @PreDestroy
    void close() {
        for (EndpointSource s : started) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.debugf(e, "closing %s", s.describe());
            }
        }
        started.clear();
    }
}
