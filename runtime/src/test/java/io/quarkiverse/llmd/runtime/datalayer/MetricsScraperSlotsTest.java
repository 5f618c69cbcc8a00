package io.quarkiverse.llmd.runtime.datalayer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsScraperSlotsTest {

    @Test
    void aRoundIsCutIntoExactSlotsOfAtLeastFiveMilliseconds() {
        assertThat(MetricsScraper.slotsFor(50)).isEqualTo(10); // llm-d's default interval: 5 ms slots
        assertThat(MetricsScraper.slotsFor(1000)).isEqualTo(10);
        assertThat(MetricsScraper.slotsFor(20)).isEqualTo(4);
        assertThat(MetricsScraper.slotsFor(55)).isEqualTo(5); // 11 ms slots keep the interval exact
        assertThat(MetricsScraper.slotsFor(53)).isEqualTo(1); // a prime: one slot, as before
        assertThat(MetricsScraper.slotsFor(7)).isEqualTo(1);
        assertThat(MetricsScraper.slotsFor(1)).isEqualTo(1);
    }
}
