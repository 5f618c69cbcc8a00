package io.quarkiverse.llmd.runtime.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.pipeline.Decision;

/** The shedding rules of the ext_proc guard and the arrival ring, with times given (no clock). */
class ExtProcGuardTest {

    static final long MS = 1_000_000L;

    @Test
    void aDecisionWhoseMessageWaitedTooLongIsRefusedWithTheConfiguredStatus() {
        ExtProcGuard guard = new ExtProcGuard(100 * MS, 0, 0, 503);
        assertThat(guard.admit(0, 100 * MS)).isNull();
        guard.release();
        Decision.Rejected r = guard.admit(0, 101 * MS);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("Overloaded");
        assertThat(r.message()).contains("waited 101 ms").contains("bound 100 ms");
        assertThat(guard.shedLate()).isEqualTo(1);
        assertThat(guard.pending()).isZero();
    }

    @Test
    void theBacklogIsBounded() {
        ExtProcGuard guard = new ExtProcGuard(0, 0, 2, 429);
        assertThat(guard.admit(0, Long.MAX_VALUE)).as("no delay bound").isNull();
        assertThat(guard.admit(0, 0)).isNull();
        assertThat(guard.admit(0, 0).status()).isEqualTo(429);
        assertThat(guard.pending()).isEqualTo(2);
        guard.release();
        assertThat(guard.admit(0, 0)).isNull();
        assertThat(guard.shedBacklog()).isEqualTo(1);
    }

    @Test
    void whileTheEventLoopIsBehindStreamsAreRefusedWithOneConstantAnswer() {
        ExtProcGuard guard = new ExtProcGuard(0, 100 * MS, 0, 503);
        assertThat(guard.refuseStream(100 * MS)).isFalse();
        assertThat(guard.refuseStream(101 * MS)).isTrue();
        Decision.Rejected r = guard.lagRefusal();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.message()).isEqualTo("the endpoint picker is overloaded: its event loop is more than 100 ms behind");
        assertThat(guard.shedLag()).isEqualTo(1);
        assertThat(guard.pending()).as("a refused stream holds nothing").isZero();
        assertThat(new ExtProcGuard(0, 0, 0, 503).refuseStream(Long.MAX_VALUE)).as("0: no lag bound").isFalse();
    }

    @Test
    void aStatusThatIsNoHttpStatusIsRefused() {
        assertThatThrownBy(() -> new ExtProcGuard(0, 0, 0, 99)).hasMessageContaining("HTTP status");
    }

    @Test
    void arrivalsAreHandedOutInOrderAndTheRingOverwritesTheOldest() {
        ArrivalTracer t = new ArrivalTracer();
        assertThat(t.next(-1)).isEqualTo(-1);
        t.inboundMessage(0);
        t.inboundMessage(1);
        long first = t.next(-1);
        long second = t.next(-1);
        assertThat(first).isPositive().isLessThanOrEqualTo(second);
        assertThat(t.next(-7)).isEqualTo(-7);
        for (int i = 0; i < ArrivalTracer.KEPT + 3; i++) {
            t.inboundMessage(i);
        }
        for (int i = 0; i < ArrivalTracer.KEPT; i++) {
            assertThat(t.next(-1)).isPositive();
        }
        assertThat(t.next(-1)).isEqualTo(-1);
    }
}
