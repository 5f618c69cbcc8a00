package io.quarkiverse.llmd.runtime;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.annotations.Recorder;
import io.quarkus.runtime.configuration.ConfigurationException;

/** Start-up steps recorded by the deployment module. */
@Recorder
public class LlmdRecorder {

    private static final Logger LOG = Logger.getLogger(LlmdRecorder.class);

    /**
     * Builds the pools (and so loads every EndpointPickerConfig) before any server starts. A configuration error
     * then surfaces as Quarkus's own configuration failure: one message naming file, line and field on standard
     * error, instead of a server's "unable to start" and a long stack trace. The trace is logged at DEBUG.
     */
    public void loadPools() {
        try {
            Arc.container().instance(Pools.class).get();
        } catch (RuntimeException e) {
            ConfigException config = configCause(e);
            if (config == null) {
                throw e;
            }
            LOG.debug("configuration error", e);
            // no cause on purpose: Quarkus prints a ConfigurationException root cause as its message alone
            throw new ConfigurationException("quarkus-llmd configuration error: " + config.getMessage()
                    + " (start with -Dquarkus.log.category.\"io.quarkiverse.llmd\".level=DEBUG for the stack trace)");
        }
    }

    private static ConfigException configCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConfigException c) {
                return c;
            }
        }
        return null;
    }
}
