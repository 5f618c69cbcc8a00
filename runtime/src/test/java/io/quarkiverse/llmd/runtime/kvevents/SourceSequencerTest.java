package io.quarkiverse.llmd.runtime.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Gap detection, replay and ordering of one publisher's batches, over a fake replay transport. */
class SourceSequencerTest {

    private static final long TIMEOUT = 1_000;

    /** Records what was delivered and what replay was asked for. */
    static final class Fake implements SourceSequencer.ReplayChannel {
        final List<Long> delivered = new ArrayList<>();
        final List<Boolean> replayedFlags = new ArrayList<>();
        final List<Long> requests = new ArrayList<>();
        int abandoned;
        boolean available = true;

        @Override
        public boolean request(long fromSequence) {
            requests.add(fromSequence);
            return available;
        }

        @Override
        public void abandon() {
            abandoned++;
        }

        SourceSequencer sequencer(boolean withReplay, boolean recover, int maxHeld) {
            return new SourceSequencer((seq, payload, replayed) -> {
                assertThat(payload).containsExactly((byte) seq);
                delivered.add(seq);
                replayedFlags.add(replayed);
            }, withReplay ? this : null, TIMEOUT, maxHeld, recover);
        }
    }

    private static byte[] p(long seq) {
        return new byte[] { (byte) seq };
    }

    @Test
    void inOrderBatchesAreDeliveredAtOnce() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 10);
        for (long i = 5; i < 9; i++) {
            s.live(i, p(i), 0);
        }
        assertThat(f.delivered).containsExactly(5L, 6L, 7L, 8L);
        assertThat(f.requests).isEmpty();
        assertThat(s.counts().gaps).isZero();
    }

    @Test
    void aGapIsReplayedAndLiveBatchesWaitBehindIt() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 10);
        s.live(1, p(1), 0);
        s.live(4, p(4), 0); // 2 and 3 were lost on the wire
        assertThat(f.requests).containsExactly(2L);
        assertThat(s.replaying()).isTrue();
        s.live(5, p(5), 0); // held until the replay is done
        assertThat(f.delivered).containsExactly(1L);
        // the publisher replays everything from 2 it still has, including 4 and 5, then the end marker
        s.replayed(2, p(2));
        s.replayed(3, p(3));
        s.replayed(4, p(4));
        s.replayed(5, p(5));
        s.replayEnd();
        assertThat(f.delivered).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(f.replayedFlags).containsExactly(false, true, true, true, true);
        assertThat(s.counts().gaps).isEqualTo(1);
        assertThat(s.counts().missed).isEqualTo(2);
        assertThat(s.counts().replayed).isEqualTo(4);
        assertThat(s.counts().lost).isZero();
        assertThat(s.counts().duplicates).isEqualTo(2); // the held 4 and 5
        s.live(6, p(6), 0);
        assertThat(f.delivered).endsWith(6L);
    }

    @Test
    void withoutReplayTheMissingBatchesAreCountedLost() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(false, false, 10);
        s.live(0, p(0), 0);
        s.live(3, p(3), 0);
        assertThat(f.delivered).containsExactly(0L, 3L);
        assertThat(s.counts().gaps).isEqualTo(1);
        assertThat(s.counts().lost).isEqualTo(2);
    }

    @Test
    void aRefusedReplayRequestCountsTheGapAsLost() {
        Fake f = new Fake();
        f.available = false;
        SourceSequencer s = f.sequencer(true, false, 10);
        s.live(0, p(0), 0);
        s.live(2, p(2), 0);
        assertThat(f.delivered).containsExactly(0L, 2L);
        assertThat(s.counts().lost).isEqualTo(1);
        assertThat(s.replaying()).isFalse();
    }

    @Test
    void aReplayWithoutEndMarkerTimesOutAndTheHeldBatchesFollow() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 10);
        s.live(0, p(0), 0);
        s.live(3, p(3), 100);
        s.replayed(1, p(1));
        s.tick(100 + TIMEOUT - 1);
        assertThat(s.replaying()).isTrue();
        s.tick(100 + TIMEOUT);
        assertThat(s.replaying()).isFalse();
        assertThat(f.abandoned).isEqualTo(1);
        assertThat(f.delivered).containsExactly(0L, 1L, 3L);
        assertThat(s.counts().lost).isEqualTo(1); // 2 never came
        assertThat(s.counts().replayTimeouts).isEqualTo(1);
        // a late reply of the abandoned replay is not taken
        s.replayed(2, p(2));
        assertThat(f.delivered).containsExactly(0L, 1L, 3L);
    }

    @Test
    void tooManyHeldBatchesEndTheReplay() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 2);
        s.live(0, p(0), 0);
        s.live(2, p(2), 0); // held 1
        s.live(3, p(3), 0); // held 2
        s.live(4, p(4), 0); // over the bound: replay given up, the held batches and this one go through
        assertThat(s.replaying()).isFalse();
        assertThat(f.abandoned).isEqualTo(1);
        assertThat(f.delivered).containsExactly(0L, 2L, 3L, 4L);
        assertThat(s.counts().heldOverflows).isEqualTo(1);
        assertThat(s.counts().lost).isEqualTo(1);
    }

    @Test
    void aLowerLiveNumberIsAPublisherRestart() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 10);
        s.live(41, p(41), 0);
        s.live(42, p(42), 0);
        s.live(0, p(0), 0);
        s.live(1, p(1), 0);
        assertThat(f.delivered).containsExactly(41L, 42L, 0L, 1L);
        assertThat(s.counts().restarts).isEqualTo(1);
        assertThat(f.requests).isEmpty();
    }

    @Test
    void firstContactRecoversWhatThePublisherBuffers() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, true, 10);
        s.live(7, p(7), 0);
        assertThat(f.requests).containsExactly(0L);
        s.replayed(3, p(3)); // older batches dropped from the publisher's buffer: nothing to count before 3
        s.replayed(4, p(4));
        s.replayed(5, p(5));
        s.replayed(6, p(6));
        s.replayed(7, p(7));
        s.replayEnd();
        assertThat(f.delivered).containsExactly(3L, 4L, 5L, 6L, 7L);
        assertThat(s.counts().gaps).isZero();
        assertThat(s.counts().lost).isZero();
    }

    @Test
    void replayedBatchesFillingOnlyPartOfTheGapCountTheRestLost() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 10);
        s.live(10, p(10), 0);
        s.live(20, p(20), 0);
        s.replayed(15, p(15)); // 11-14 fell out of the publisher's buffer
        s.replayed(16, p(16));
        s.replayEnd(); // 17-19 never came either
        assertThat(f.delivered).containsExactly(10L, 15L, 16L, 20L);
        assertThat(s.counts().lost).isEqualTo(4 + 3);
    }

    @Test
    void repliesOutsideAReplayAreIgnored() {
        Fake f = new Fake();
        SourceSequencer s = f.sequencer(true, false, 10);
        s.live(1, p(1), 0);
        s.replayed(2, p(2));
        s.replayEnd();
        assertThat(f.delivered).containsExactly(1L);
    }
}
