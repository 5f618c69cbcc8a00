package io.quarkiverse.llmd.runtime.pd;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;

/**
 * Allows a prefill destination only when its IP belongs to an endpoint of the pool (any port), as the sidecar's
 * {@code --enable-ssrf-protection} allow-list does. The registry snapshot is read lock-free on every call, so pods
 * that join or leave are taken into account at once.
 */
public final class SsrfGuard {

    private final EndpointRegistry registry;
    private final boolean enabled;

    public SsrfGuard(EndpointRegistry registry, boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
    }

    /** Whether a {@code host:port} may receive a prefill request. */
    public boolean allowed(String hostPort) {
        if (!enabled) {
            return true;
        }
        String host = HostPort.parse(hostPort).host();
        for (Endpoint e : registry.endpoints()) {
            if (HostPort.parse(e.address()).host().equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }
}
