package io.quarkiverse.llmd.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkiverse.llmd.runtime.proxy.ProxyMetrics;

class ProxyMetricsNamesTest {

    @Test
    void proxyCountersCarryTheEppPrefixAndTheirOldNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProxyMetrics m = new ProxyMetrics(registry, true);
        m.retry();
        m.retry();
        m.prefillFallback();
        m.clientDisconnect();
        assertThat(registry.scrape()).contains("llm_d_epp_proxy_retries_total 2.0", "llm_d_proxy_retries_total 2.0",
                "llm_d_epp_proxy_prefill_fallbacks_total 1.0", "llm_d_proxy_prefill_fallbacks_total 1.0",
                "llm_d_epp_proxy_client_disconnects_total 1.0", "llm_d_epp_proxy_upstream_failures_total 0.0");
        assertThat(m.retries()).isEqualTo(2);
    }

    @Test
    void withoutLegacyNamesOnlyTheEppPrefix() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ProxyMetrics(registry, false).retry();
        assertThat(registry.scrape()).contains("llm_d_epp_proxy_retries_total 1.0").doesNotContain("llm_d_proxy_");
    }
}
