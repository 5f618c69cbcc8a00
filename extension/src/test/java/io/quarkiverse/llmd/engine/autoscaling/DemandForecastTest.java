package io.quarkiverse.llmd.engine.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DemandForecastTest {

    private static final long SECOND = 1_000_000_000L;

    private static DemandForecast with(long windowSeconds, double... ratesEvery15s) {
        DemandForecast f = new DemandForecast(windowSeconds * SECOND);
        for (int i = 0; i < ratesEvery15s.length; i++) {
            f.record(i * 15 * SECOND, ratesEvery15s[i]);
        }
        return f;
    }

    @Test
    void aRisingRateIsExtrapolatedOverTheLead() {
        // 1, 2, 3, 4 req/s at 15 s steps: slope 1/15 req/s per s; 90 s ahead that is 6 req/s more
        DemandForecast f = with(60, 1, 2, 3, 4);
        assertThat(f.slopePerSecond()).isCloseTo(1.0 / 15, within(1e-12));
        assertThat(f.planned(4, 90, 0, 0)).isCloseTo(10, within(1e-9));
    }

    @Test
    void theIntervalIsTheTimeBetweenTheLastTwoRates() {
        DemandForecast f = new DemandForecast(0);
        assertThat(f.lastIntervalSeconds()).isZero();
        f.record(10 * SECOND, 1);
        assertThat(f.lastIntervalSeconds()).isZero();
        f.record(25 * SECOND, 1);
        assertThat(f.lastIntervalSeconds()).isEqualTo(15);
    }

    @Test
    void theSlopeIsTheMedianOfThePairwiseSlopes() {
        // 2, 4, 2, 4 at 0, 15, 30, 45 s: pairwise slopes 2/15, 0, 2/45, -2/15, 0, 2/15; sorted -2/15, 0, 0, 2/45,
        // 2/15, 2/15: the median is (0 + 2/45) / 2 = 1/45
        assertThat(with(60, 2, 4, 2, 4).slopePerSecond()).isCloseTo(1.0 / 45, within(1e-12));
    }

    @Test
    void aStepIsNoTrendARampIs() {
        // seven rates of 1 then one of 5: 21 of the 28 pairwise slopes are 0, the median too
        assertThat(with(120, 1, 1, 1, 1, 1, 1, 1, 5).slopePerSecond()).isZero();
        assertThat(with(120, 1, 1, 1, 1, 1, 1, 1, 5).planned(5, 90, 0, 0)).isEqualTo(5);
        // a ramp whose last rate jumps: the median keeps the ramp's 1/15
        assertThat(with(120, 1, 2, 3, 4, 5, 6, 7, 20).slopePerSecond()).isCloseTo(1.0 / 15, within(1e-12));
    }

    @Test
    void aFallingRateIsNeverPlannedBelowWhatIsSeen() {
        DemandForecast f = with(60, 4, 3, 2, 1);
        assertThat(f.slopePerSecond()).isCloseTo(-1.0 / 15, within(1e-12));
        assertThat(f.planned(1, 90, 0, 0)).isEqualTo(1);
    }

    @Test
    void noSlopeFromTooFewPointsOrTooShortASpan() {
        assertThat(with(60, 1, 2, 3).slopePerSecond()).isZero();
        // four points over 45 s of a 300 s window: less than half the window
        assertThat(with(300, 1, 2, 3, 4).slopePerSecond()).isZero();
        // a zero window disables the extrapolation
        assertThat(with(0, 1, 2, 3, 4, 5).planned(5, 90, 0, 0)).isEqualTo(5);
    }

    @Test
    void ratesOlderThanTheWindowAreForgotten() {
        DemandForecast f = new DemandForecast(60 * SECOND);
        f.record(0, 100);
        for (int t = 70; t <= 115; t += 15) {
            f.record(t * SECOND, 1);
        }
        // only 70..115 s remain (55 s of the 60 s window): a flat rate
        assertThat(f.slopePerSecond()).isZero();
    }

    @Test
    void theBacklogIsServedWithinTheDrainTime() {
        DemandForecast f = new DemandForecast(60 * SECOND);
        assertThat(f.planned(2, 90, 30, 60)).isCloseTo(2.5, within(1e-12));
        assertThat(f.planned(2, 90, 30, 0)).isEqualTo(2);
        assertThatThrownBy(() -> new DemandForecast(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
