package io.quarkiverse.llmd.runtime.discovery;

import io.quarkiverse.llmd.engine.pool.EndpointSource;
import io.quarkiverse.llmd.runtime.config.PoolConfig;

/**
 * Supplies endpoint sources for discovery kinds the runtime does not know itself: a CDI bean implementing it (the
 * Kubernetes module's InferencePool and LLMInferenceService watches) is asked for every pool whose
 * {@code discovery.source} it supports.
 */
public interface EndpointSourceProvider {

    /** Whether this provider serves {@code discovery.source} values like {@code inference-pool}. */
    boolean supports(String source);

    /** A source for the pool; not started yet. */
    EndpointSource create(String pool, PoolConfig.DiscoveryConfig discovery);
}
