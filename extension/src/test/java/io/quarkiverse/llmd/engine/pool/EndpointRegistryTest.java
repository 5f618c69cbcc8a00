package io.quarkiverse.llmd.engine.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

class EndpointRegistryTest {

    private static final Endpoint POD = Endpoint.of("pod-a", "10.0.0.1:8000", Map.of());

    private static EndpointMetrics metricsOf(EndpointRegistry registry) {
        return registry.snapshot().byName().get("pod-a").metrics();
    }

    @Test
    void eachPublishedScrapeCarriesTheEndpointsRunningTotalsOnAndRediscoveryKeepsThem() {
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(List.of(POD));
        registry.updateMetrics("pod-a", EndpointMetrics.load(0, 4, 0.1, Instant.EPOCH.plusSeconds(1)));
        registry.updateMetrics(Map.of("pod-a", EndpointMetrics.load(0, 6, 0.1, Instant.EPOCH.plusSeconds(2))));
        registry.replaceAll(List.of(POD)); // discovery again, without metrics: the pod keeps its snapshot
        registry.updateMetrics("pod-a", EndpointMetrics.load(0, 8, 0.1, Instant.EPOCH.plusSeconds(3)));
        assertThat(metricsOf(registry).runningRequestsSize()).isEqualTo(8);
        assertThat(metricsOf(registry).runningTotal()).isEqualTo(18);
        assertThat(metricsOf(registry).scrapes()).isEqualTo(3);
    }

    @Test
    void aPodThatLeftStartsAgainFromNothing() {
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(List.of(POD));
        registry.updateMetrics("pod-a", EndpointMetrics.load(0, 4, 0.1, Instant.EPOCH.plusSeconds(1)));
        registry.replaceAll(List.of());
        registry.replaceAll(List.of(POD));
        registry.updateMetrics("pod-a", EndpointMetrics.load(0, 2, 0.1, Instant.EPOCH.plusSeconds(5)));
        assertThat(metricsOf(registry).runningTotal()).isEqualTo(2);
        assertThat(metricsOf(registry).scrapes()).isEqualTo(1);
    }
}
