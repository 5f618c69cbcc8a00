package io.quarkiverse.llmd.engine.framework.datalayer;

/**
 * Implemented by plugins that keep per-endpoint state (prefix indexes, in-flight counters, LRUs): the pool tells
 * them when an endpoint leaves, so state for pods that are gone never accumulates. The runtime and the cluster
 * simulator call it through the scheduler without knowing which plugins care. Called off the request path, possibly
 * concurrently with scheduling: implementations must be thread-safe and quick.
 */
public interface EndpointLifecycle {

    /** The endpoint with this name left the pool (deleted, no longer ready, or moved to another target port). */
    void endpointRemoved(String endpointName);
}
