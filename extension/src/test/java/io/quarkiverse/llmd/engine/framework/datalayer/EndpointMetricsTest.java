package io.quarkiverse.llmd.engine.framework.datalayer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class EndpointMetricsTest {

    private static EndpointMetrics scrape(int running, int second) {
        return EndpointMetrics.load(0, running, 0.1, Instant.EPOCH.plusSeconds(second));
    }

    @Test
    void aScrapeOnItsOwnCountsOnlyItselfAndNeverScrapedCountsNothing() {
        assertThat(scrape(7, 1).runningTotal()).isEqualTo(7);
        assertThat(scrape(7, 1).scrapes()).isEqualTo(1);
        assertThat(EndpointMetrics.NONE.runningTotal()).isZero();
        assertThat(EndpointMetrics.NONE.scrapes()).isZero();
    }

    @Test
    void theMeanRunningSinceAnEarlierSnapshotIsTheMeanOfTheScrapesAfterIt() {
        EndpointMetrics atDispatch = scrape(4, 1).accumulatedAfter(EndpointMetrics.NONE);
        EndpointMetrics now = atDispatch;
        for (int running : new int[] { 10, 12, 20 }) {
            now = scrape(running, running).accumulatedAfter(now);
        }
        assertThat(now.scrapes()).isEqualTo(4);
        assertThat(now.runningTotal()).isEqualTo(46);
        assertThat(now.meanRunningSince(atDispatch)).isEqualTo(14.0);
        // dispatched before the first scrape: every scrape since counts
        assertThat(now.meanRunningSince(EndpointMetrics.NONE)).isEqualTo(11.5);
    }

    @Test
    void withoutAScrapeSinceItIsTheLastScrapesCount() {
        EndpointMetrics m = scrape(9, 1).accumulatedAfter(scrape(3, 0));
        assertThat(m.meanRunningSince(m)).isEqualTo(9.0);
        // an endpoint that came back under the same name starts its totals again: no mean across its two lives
        assertThat(scrape(5, 2).meanRunningSince(m)).isEqualTo(5.0);
    }
}
