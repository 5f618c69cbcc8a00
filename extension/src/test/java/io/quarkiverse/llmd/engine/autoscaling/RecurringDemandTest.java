package io.quarkiverse.llmd.engine.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RecurringDemandTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long DAY = 24 * 60 * MINUTE;
    /** The minute of the day a burst comes at: 10:00. */
    private static final long BURST = 600 * MINUTE;

    /** One day of rates every 15 s, starting at {@code dayStart}: {@code base}, and {@code burst} in 10:00-10:01. */
    private static void day(RecurringDemand d, long dayStart, double base, double burst) {
        for (long end = 15 * SECOND; end <= DAY; end += 15 * SECOND) {
            boolean inBurst = end > BURST && end <= BURST + MINUTE;
            d.record(dayStart + end, 15, inBurst ? burst : base);
        }
    }

    @Test
    void aBurstOfYesterdayIsForeseenOneColdStartAheadAndForgottenOnceItIsBehind() {
        RecurringDemand d = new RecurringDemand(DAY, 7);
        day(d, 0, 30, 70);
        // today 09:58:15, 15 s since the last rate, replicas asked for now must last 105.7 s: the window reaches
        // 10:00:00.7, so yesterday's 10:00 minute (70) is in it, and yesterday's 09:58 (30) is the base
        assertThat(d.rise(DAY + BURST - 105 * SECOND, 15, 105.7)).isCloseTo(40, within(1e-9));
        // 09:58:00: the window ends at 09:59:45.7, before the burst
        assertThat(d.rise(DAY + BURST - 120 * SECOND, 15, 105.7)).isZero();
        // 10:00:00, the burst due now: the base is yesterday's rate at the middle of the last window (09:59:52.5)
        assertThat(d.rise(DAY + BURST, 15, 105.7)).isCloseTo(40, within(1e-9));
        // 10:01:15: yesterday's burst is behind
        assertThat(d.rise(DAY + BURST + 75 * SECOND, 15, 105.7)).isZero();
    }

    @Test
    void aRiseWithinPoissonNoiseIsNoRise() {
        RecurringDemand d = new RecurringDemand(DAY, 7);
        // 30 -> 34 req/s: one-minute means of Poisson arrivals differ by sqrt(64 / 60) = 1.03 req/s (one standard
        // deviation); four of them are needed
        day(d, 0, 30, 34);
        assertThat(d.rise(DAY + BURST - 30 * SECOND, 15, 105.7)).isZero();
        RecurringDemand e = new RecurringDemand(DAY, 7);
        day(e, 0, 30, 35);
        assertThat(e.rise(DAY + BURST - 30 * SECOND, 15, 105.7)).isCloseTo(5, within(1e-9));
    }

    @Test
    void aBurstMustHaveComeOnMoreThanHalfOfTheRememberedDays() {
        RecurringDemand once = new RecurringDemand(DAY, 3);
        day(once, 0, 30, 30);
        day(once, DAY, 30, 70);
        day(once, 2 * DAY, 30, 30);
        assertThat(once.rise(3 * DAY + BURST - 60 * SECOND, 15, 105.7)).isZero();
        RecurringDemand twice = new RecurringDemand(DAY, 3);
        day(twice, 0, 30, 50);
        day(twice, DAY, 30, 30);
        day(twice, 2 * DAY, 30, 70);
        // rises 20, 0 and 40: the median
        assertThat(twice.rise(3 * DAY + BURST - 60 * SECOND, 15, 105.7)).isCloseTo(20, within(1e-9));
        // one day remembered of two kept: half is not more than half
        RecurringDemand half = new RecurringDemand(DAY, 2);
        day(half, 0, 30, 70);
        day(half, DAY, 30, 30);
        assertThat(half.rise(2 * DAY + BURST - 60 * SECOND, 15, 105.7)).isZero();
    }

    @Test
    void onlyTheRememberedPeriodsCountAndTheClockNeedNotStartAtMidnight() {
        RecurringDemand d = new RecurringDemand(DAY, 1);
        long origin = -DAY - 7 * MINUTE - 3 * SECOND; // any steady clock: the simulator's earlier days are negative
        day(d, origin, 30, 70);
        assertThat(d.rise(origin + DAY + BURST - 60 * SECOND, 15, 105.7)).isCloseTo(40, within(1e-9));
        day(d, origin + DAY, 30, 30);
        // the day with the burst is two days back now, and one is remembered
        assertThat(d.rise(origin + 2 * DAY + BURST - 60 * SECOND, 15, 105.7)).isZero();
        // without a yesterday there is nothing to foresee
        assertThat(new RecurringDemand(DAY, 7).rise(BURST, 15, 105.7)).isZero();
    }

    @Test
    void zeroPeriodsRemembersNothing() {
        RecurringDemand d = new RecurringDemand(DAY, 0);
        day(d, 0, 30, 70);
        assertThat(d.rise(DAY + BURST - 60 * SECOND, 15, 105.7)).isZero();
    }

    @Test
    void badRatesAreIgnoredAndBadSettingsRefused() {
        RecurringDemand d = new RecurringDemand(DAY, 1);
        day(d, 0, 30, 70);
        d.record(BURST + 30 * SECOND, 15, Double.NaN);
        d.record(BURST + 30 * SECOND, 15, Double.POSITIVE_INFINITY);
        d.record(BURST + 30 * SECOND, 15, -5);
        d.record(BURST + 30 * SECOND, 0, 10_000);
        assertThat(d.rise(DAY + BURST - 60 * SECOND, 15, 105.7)).isCloseTo(40, within(1e-9));
        assertThatThrownBy(() -> new RecurringDemand(DAY, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("periods");
        assertThatThrownBy(() -> new RecurringDemand(DAY + 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number of minutes");
        // a year of weeks would hold 3.6 million minutes per model
        assertThatThrownBy(() -> new RecurringDemand(7 * DAY, 52)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minutes of rates are remembered");
        assertThatThrownBy(() -> AutoscalerConfig.defaults().withRecurrence(java.time.Duration.ofDays(365 * 1000), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most");
    }
}
