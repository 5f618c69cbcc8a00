package io.quarkiverse.llmd.runtime.proxy;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of the proxy: retries on another endpoint, upstream failures, streams ended by an upstream failure,
 * prefills run and prefill fallbacks. Exported through Micrometer ({@code llm_d_proxy_*_total}) when a registry is
 * present, and readable directly.
 */
@Singleton
public class ProxyMetrics {

    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong upstreamFailures = new AtomicLong();
    private final AtomicLong midStreamFailures = new AtomicLong();
    private final AtomicLong prefills = new AtomicLong();
    private final AtomicLong prefillFallbacks = new AtomicLong();
    private final AtomicLong clientDisconnects = new AtomicLong();
    private final Counter retriesCounter;
    private final Counter upstreamCounter;
    private final Counter midStreamCounter;
    private final Counter prefillCounter;
    private final Counter fallbackCounter;

    @Inject
    public ProxyMetrics(Instance<MeterRegistry> registries) {
        MeterRegistry r = registries.isResolvable() ? registries.get() : null;
        retriesCounter = counter(r, "llm_d_proxy_retries", "Requests retried on another endpoint");
        upstreamCounter = counter(r, "llm_d_proxy_upstream_failures", "Attempts that failed before the response");
        midStreamCounter = counter(r, "llm_d_proxy_midstream_failures", "Responses cut by an upstream failure");
        prefillCounter = counter(r, "llm_d_proxy_prefills", "Remote prefills run (P/D)");
        fallbackCounter = counter(r, "llm_d_proxy_prefill_fallbacks", "Prefills that fell back to local decode");
    }

    private static Counter counter(MeterRegistry r, String name, String help) {
        return r == null ? null : Counter.builder(name).description(help).register(r);
    }

    private static void inc(AtomicLong a, Counter c) {
        a.incrementAndGet();
        if (c != null) {
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
        clientDisconnects.incrementAndGet();
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
