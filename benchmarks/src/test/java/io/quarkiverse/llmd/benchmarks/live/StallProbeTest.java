package io.quarkiverse.llmd.benchmarks.live;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StallProbeTest {

    @Test
    void eachGapCountsUnderEveryThresholdItReachesAndOnlyLongOnesAreLost() {
        StallProbe.Stalls s = new StallProbe.Stalls();
        s.gap(40); // an ordinary clock read
        s.gap(9_999);
        s.gap(10_000); // >= 10 us only
        s.gap(150_000); // >= 10 us, >= 100 us
        s.gap(2_500_000); // up to >= 1 ms
        s.gap(12_000_000); // every threshold
        s.elapsedNs = 1_000_000_000L;
        assertThat(s.atLeast).containsExactly(4, 3, 2, 1);
        assertThat(s.longestNs).isEqualTo(12_000_000);
        assertThat(s.lostNs).isEqualTo(150_000 + 2_500_000 + 12_000_000);
        assertThat(s.report())
                .contains("held up >= 1 ms          2 times (2.0/s)")
                .contains("longest hold-up     12.000 ms")
                .contains("lost in hold-ups >= 100 us: 14.7 ms (1.465 % of the time)");
    }

    @Test
    void aShortSpinCoversItsDurationAndBadOptionsAreRefused() {
        StallProbe.Stalls s = StallProbe.spin(20_000_000);
        assertThat(s.elapsedNs).isGreaterThanOrEqualTo(20_000_000);
        assertThat(s.longestNs).isLessThanOrEqualTo(s.elapsedNs);
        assertThat(StallProbe.main(new String[] { "--seconds", "0" })).isEqualTo(2);
        assertThat(StallProbe.main(new String[] { "--seconds", "x" })).isEqualTo(2);
        assertThat(StallProbe.main(new String[] { "--nope" })).isEqualTo(2);
    }
}
