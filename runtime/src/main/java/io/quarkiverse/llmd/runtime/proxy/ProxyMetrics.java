package io.quarkiverse.llmd.runtime.proxy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;

/**
 * Counters of the proxy: retries on another endpoint, upstream failures, streams ended by an upstream failure,
 * prefills run, prefill fallbacks and client disconnects. Exported through Micrometer as
 * {@code llm_d_epp_proxy_*_total}, beside the names of earlier releases ({@code llm_d_proxy_*_total}) while
 * {@code quarkus.llmd.metrics.legacy-names} is on, and readable directly.
 */
@Singleton
public class ProxyMetrics {

    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong upstreamFailures = new AtomicLong();
    private final AtomicLong midStreamFailures = new AtomicLong();
    private final AtomicLong prefills = new AtomicLong();
    private final AtomicLong prefillFallbacks = new AtomicLong();
    private final AtomicLong clientDisconnects = new AtomicLong();
    private final List<Counter> retriesCounter;
    private final List<Counter> upstreamCounter;
    private final List<Counter> midStreamCounter;
    private final List<Counter> prefillCounter;
    private final List<Counter> fallbackCounter;
    private final List<Counter> disconnectCounter;

    @Inject
    public ProxyMetrics(Instance<MeterRegistry> registries, LlmdConfig config) {
        this(registries.isResolvable() ? registries.get() : null, config.metrics().legacyNames());
    }

    /**
     * @param registry where the counters are registered, or null to keep them in memory only
     * @param legacyNames whether the {@code llm_d_proxy_*} names are registered too
     */
    public ProxyMetrics(MeterRegistry registry, boolean legacyNames) {
        retriesCounter = counter(registry, legacyNames, "retries", "Requests retried on another endpoint");
        upstreamCounter = counter(registry, legacyNames, "upstream_failures",
                "Attempts that failed before the response");
        midStreamCounter = counter(registry, legacyNames, "midstream_failures",
                "Responses cut by an upstream failure");
        prefillCounter = counter(registry, legacyNames, "prefills", "Remote prefills run (P/D)");
        fallbackCounter = counter(registry, legacyNames, "prefill_fallbacks",
                "Prefills that fell back to local decode");
        disconnectCounter = counter(registry, false, "client_disconnects",
                "Clients that went away before their response ended");
    }

    private static List<Counter> counter(MeterRegistry r, boolean legacyNames, String name, String help) {
        if (r == null) {
            return List.of();
        }
        Counter canonical = Counter.builder("llm_d_epp_proxy_" + name).description(help).register(r);
        return legacyNames
                ? List.of(canonical, Counter.builder("llm_d_proxy_" + name).description(help).register(r))
                : List.of(canonical);
    }

    private static void inc(AtomicLong a, List<Counter> counters) {
        a.incrementAndGet();
        for (Counter c : counters) {
            c.increment();
        }
    }

    public void retry() {
        inc(retries, retriesCounter);
    }

    public void upstreamFailure() {
        inc(upstreamFailures, upstreamCounter);
    }

    public void midStreamFailure() {
        inc(midStreamFailures, midStreamCounter);
    }

    public void prefill() {
        inc(prefills, prefillCounter);
    }

    public void prefillFallback() {
        inc(prefillFallbacks, fallbackCounter);
    }

    public void clientDisconnect() {
        inc(clientDisconnects, disconnectCounter);
    }

    public long retries() {
        return retries.get();
    }

    public long upstreamFailures() {
        return upstreamFailures.get();
    }

    public long midStreamFailures() {
        return midStreamFailures.get();
    }

    public long prefills() {
        return prefills.get();
    }

    public long prefillFallbacks() {
        return prefillFallbacks.get();
    }

    public long clientDisconnects() {
        return clientDisconnects.get();
    }
}
