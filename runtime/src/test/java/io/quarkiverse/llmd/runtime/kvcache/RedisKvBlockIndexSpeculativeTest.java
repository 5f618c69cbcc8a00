package io.quarkiverse.llmd.runtime.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.vertx.core.Vertx;

/** Speculative entries in the shared index: answered from the replica's own mirror, never published. */
class RedisKvBlockIndexSpeculativeTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final long[] NONE = new long[0];
    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static RedisKvBlockIndex replica() {
        return new RedisKvBlockIndex(vertx, RedisIndexSettings.defaults(REDIS.url()), "speculative",
                InMemoryKvBlockIndex.Config.withCapacity(10_000));
    }

    @Test
    void predictionsStayInTheReplicaThatMadeThemAndLapseThere() throws Exception {
        try (RedisKvBlockIndex a = replica(); RedisKvBlockIndex b = replica()) {
            long[] predicted = { 1, 2, 3 };
            a.addSpeculative(predicted, 3, "pod-a", 2_000);
            assertThat(a.longestPrefix(predicted, 3).blocks("pod-a")).isEqualTo(3);
            assertThat(a.speculativeCount()).isEqualTo(3);

            // A real store made after the prediction reaches B; by then the prediction would have too.
            long[] marker = { 99 };
            a.add(NONE, 0, marker, 1, "pod-a", "gpu");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (b.longestPrefix(marker, 1).blocks("pod-a") == 0) {
                assertThat(System.nanoTime()).as("waiting for the marker on B").isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(b.longestPrefix(predicted, 3).blocks("pod-a")).isZero();
            assertThat(b.speculativeCount()).isZero();
            assertThat(a.stats().localOps()).as("only the marker was a replicated change").isEqualTo(1);

            a.expireSpeculative(1_999);
            assertThat(a.longestPrefix(predicted, 3).blocks("pod-a")).isEqualTo(3);
            a.expireSpeculative(2_000);
            assertThat(a.longestPrefix(predicted, 3).blocks("pod-a")).isZero();
        }
    }
}
