package io.quarkiverse.llmd.it.pools;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.runtime.datalayer.MetricsScraper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Each pool is scraped as its EndpointPickerConfig's dataLayer.sources say, not with one global setting. */
@QuarkusTest
@TestProfile(DataSourceProfile.class)
class DataSourceTest {

    @Inject
    Pools pools;

    @Inject
    MetricsScraper scraper;

    private EndpointMetrics metricsOf(String pool) {
        return pools.named(pool).registry().endpoints().get(0).metrics();
    }

    @Test
    void theDataSourcePathIsTheOneScraped() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((!metricsOf("good").scraped() || scraper.pollErrors() < 5) && System.nanoTime() < deadline) {
            Thread.sleep(25);
        }
        assertThat(metricsOf("good").scraped()).as("the default source scrapes /metrics").isTrue();
        assertThat(metricsOf("wrong-path").scraped()).as("the declared source asks for /no-such-page").isFalse();
        assertThat(scraper.pollErrors()).isGreaterThanOrEqualTo(5);
    }
}
