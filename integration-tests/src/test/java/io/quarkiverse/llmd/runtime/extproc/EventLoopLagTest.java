package io.quarkiverse.llmd.runtime.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoopGroup;

/**
 * The lag probe sees a loop that is stuck in work while it is stuck, and reports nothing off its loops. Only lower
 * bounds are asserted: a stall of at least N ms makes the probe at least N minus one period late.
 */
class EventLoopLagTest {

    static final long MS = 1_000_000L;

    private DefaultEventLoopGroup loops;
    private EventLoopLag lag;

    @BeforeEach
    void start() {
        loops = new DefaultEventLoopGroup(1);
        lag = new EventLoopLag(loops, 10 * MS);
    }

    @AfterEach
    void stop() throws Exception {
        lag.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void oneSlowStretchIsNoLagButALoopThatStaysBehindIs() throws Exception {
        long[] afterOne = loops.submit(() -> {
            Thread.sleep(200);
            return new long[] { EventLoopLag.currentNanos(), lag.maxNanos() };
        }).get(10, TimeUnit.SECONDS);
        assertThat(afterOne[0]).as("the last firing was on time").isZero();
        assertThat(afterOne[1]).as("the gauge sees the stall").isGreaterThanOrEqualTo(190 * MS);

        // behind again right after the probe ran late: a scheduled task runs after the due probe
        CompletableFuture<Long> second = new CompletableFuture<>();
        loops.execute(() -> {
            sleep(200);
            loops.schedule(() -> {
                sleep(200);
                second.complete(EventLoopLag.currentNanos());
            }, 1, TimeUnit.MILLISECONDS);
        });
        assertThat(second.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(190 * MS);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void offTheLoopsThereIsNoLag() {
        assertThat(EventLoopLag.currentNanos()).isZero();
    }

    @Test
    void thePeriodMustBePositive() {
        assertThatThrownBy(() -> new EventLoopLag(loops, 0)).hasMessageContaining("positive");
    }
}
