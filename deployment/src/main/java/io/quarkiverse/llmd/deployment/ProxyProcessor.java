package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.datalayer.MetricsScraper;
import io.quarkiverse.llmd.runtime.pd.PdSidecar;
import io.quarkiverse.llmd.runtime.proxy.ConnectionDeadlines;
import io.quarkiverse.llmd.runtime.proxy.OpenAiProxy;
import io.quarkiverse.llmd.runtime.proxy.ProxyMetrics;
import io.quarkiverse.llmd.runtime.proxy.UpstreamClient;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;

/**
 * Registers the OpenAI proxy, the deadlines of its client connections, the P/D decode sidecar and the metrics scraper. Their routes and timers are switched
 * by runtime configuration ({@code quarkus.llmd.proxy.enabled}, {@code quarkus.llmd.pd.sidecar.enabled},
 * {@code quarkus.llmd.data-layer.scrape}).
 */
final class ProxyProcessor {

    @BuildStep
    AdditionalBeanBuildItem proxyBeans() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(UpstreamClient.class, ProxyMetrics.class, OpenAiProxy.class, PdSidecar.class,
                        MetricsScraper.class, ConnectionDeadlines.class)
                .setUnremovable().build();
    }
}
