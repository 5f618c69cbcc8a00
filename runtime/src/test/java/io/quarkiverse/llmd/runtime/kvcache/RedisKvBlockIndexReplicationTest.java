package io.quarkiverse.llmd.runtime.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.vertx.core.Vertx;

/** Two or three replicas sharing one real redis-server: propagation, late joiners, and Redis going away. */
class RedisKvBlockIndexReplicationTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final AtomicInteger SCOPES = new AtomicInteger();
    private static final long[] NONE = new long[0];
    private static Vertx vertx;
    private final List<RedisKvBlockIndex> opened = new ArrayList<>();
    private String scope;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void closeIndexes() throws Exception {
        opened.forEach(RedisKvBlockIndex::close);
        if (REDIS.command("PING") == null) {
            REDIS.start();
        }
    }

    private RedisKvBlockIndex replica(RedisIndexSettings settings) {
        if (scope == null) {
            scope = "replication-" + SCOPES.incrementAndGet();
        }
        RedisKvBlockIndex index = new RedisKvBlockIndex(vertx, settings, scope,
                InMemoryKvBlockIndex.Config.withCapacity(10_000));
        opened.add(index);
        return index;
    }

    private RedisKvBlockIndex replica() {
        return replica(RedisIndexSettings.defaults(REDIS.url()));
    }

    private static void add(KvBlockIndex index, String endpoint, long... keys) {
        index.add(NONE, 0, keys, keys.length, endpoint, "gpu");
    }

    private static int blocks(KvBlockIndex index, String endpoint, long... keys) {
        return index.longestPrefix(keys, keys.length).blocks(endpoint);
    }

    /** Polls a condition with a bounded wait: propagation is asynchronous, its speed is not what is tested. */
    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: %s", what).isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void aBlockStoredThroughOneReplicaIsMatchedByTheOther() {
        RedisKvBlockIndex a = replica();
        RedisKvBlockIndex b = replica();

        a.add(new long[] { 901, 902, 903 }, 3, new long[] { 1, 2, 3 }, 3, "pod-a", "gpu");
        add(b, "pod-b", 1, 2);

        eventually("B matches pod-a's 3 blocks", () -> blocks(b, "pod-a", 1, 2, 3) == 3);
        eventually("A matches pod-b's 2 blocks", () -> blocks(a, "pod-b", 1, 2, 3) == 2);
        assertThat(b.requestKey(902)).as("engine keys travel with the blocks").isEqualTo(2);

        a.evict(902, "pod-a", "gpu");
        eventually("B sees the eviction by engine key", () -> blocks(b, "pod-a", 1, 2, 3) == 1);
        assertThat(b.longestPrefix(new long[] { 1, 2, 3 }, 3).blocksByEndpoint())
                .isEqualTo(Map.of("pod-a", 1, "pod-b", 2));
    }

    @Test
    void clearAndRemoveEndpointPropagate() {
        RedisKvBlockIndex a = replica();
        RedisKvBlockIndex b = replica();
        add(a, "pod-1", 1, 2, 3);
        add(a, "pod-2", 1, 2);
        eventually("B learns both pods", () -> blocks(b, "pod-1", 1, 2, 3) == 3 && blocks(b, "pod-2", 1, 2) == 2);

        a.clear("pod-1");
        eventually("B sees AllBlocksCleared", () -> blocks(b, "pod-1", 1, 2, 3) == 0);
        assertThat(blocks(b, "pod-2", 1, 2)).isEqualTo(2);

        b.removeEndpoint("pod-2");
        eventually("A sees the endpoint leave", () -> blocks(a, "pod-2", 1, 2) == 0);
        assertThat(a.mirror().endpoints()).doesNotContain("pod-2");
    }

    @Test
    void aLateJoinerStartsFromTheSnapshotWhenTheStreamNoLongerHoldsEverything() throws Exception {
        RedisKvBlockIndex a = replica();
        a.add(new long[] { 77 }, 1, new long[] { 1, 2 }, 2, "pod-a", "cpu");
        add(a, "pod-b", 1);
        eventually("A has published", () -> a.stats().publishedOps() == 2);
        a.snapshotNow();
        // Trim everything the snapshot covers: a joiner can only learn it from the snapshot.
        assertThat(REDIS.command("XTRIM", a.streamKey(), "MAXLEN", "0")).isNotEqualTo(":0");
        assertThat(REDIS.command("XLEN", a.streamKey())).isEqualTo(":0");
        add(a, "pod-c", 1, 2);

        RedisKvBlockIndex c = replica();

        eventually("C rebuilt from the snapshot and caught up", () -> blocks(c, "pod-c", 1, 2) == 2);
        assertThat(blocks(c, "pod-a", 1, 2)).isEqualTo(2);
        assertThat(c.longestPrefix(new long[] { 1, 2 }, 2).score("pod-a")).isEqualTo(1.6);
        assertThat(blocks(c, "pod-b", 1, 2)).isEqualTo(1);
        assertThat(c.requestKey(77)).isEqualTo(2);
        assertThat(c.stats().decodeErrors()).isZero();
    }

    @Test
    void redisDownAtStartNeitherBlocksNorLosesLocalState() throws Exception {
        REDIS.stop();
        RedisKvBlockIndex a = replica(RedisIndexSettings.defaults(REDIS.url()).withOutbox(100, 0));

        for (int i = 0; i < 1_000; i++) {
            add(a, "pod-a", i);
        }

        assertThat(blocks(a, "pod-a", 0, 1, 2)).as("lookups answer from the mirror").isEqualTo(3);
        assertThat(a.blockCount()).isEqualTo(1_000);
        eventually("the overflow is counted", () -> a.stats().droppedOps() >= 900);
        assertThat(a.stats().connected()).isFalse();

        REDIS.start();
        RedisKvBlockIndex b = replica();
        // a change made before A has reconnected is dropped (no retries here): wait for both to be connected
        eventually("A reconnected", () -> a.stats().connected());
        eventually("B connected", () -> b.stats().connected());
        add(a, "pod-a", 5_000);
        eventually("B sees what A wrote after Redis came up", () -> blocks(b, "pod-a", 5_000) == 1);
    }

    @Test
    void writesMadeWhileRedisIsDownAreRetriedAndReachTheOtherReplica() throws Exception {
        RedisIndexSettings settings = RedisIndexSettings.defaults(REDIS.url()).withOutbox(10_000, 1_000);
        RedisKvBlockIndex a = replica(settings);
        RedisKvBlockIndex b = replica(settings);
        add(a, "pod-a", 1);
        eventually("B sees the first block", () -> blocks(b, "pod-a", 1, 2) == 1);

        REDIS.stop();
        add(a, "pod-a", 2);
        assertThat(blocks(a, "pod-a", 1, 2)).as("A answers from its mirror").isEqualTo(2);
        eventually("the failed write is counted", () -> a.stats().publishFailures() > 0);
        assertThat(blocks(b, "pod-a", 1, 2)).isEqualTo(1);

        REDIS.start();
        eventually("the retried write reaches B", () -> blocks(b, "pod-a", 1, 2) == 2);
        assertThat(a.stats().droppedOps()).isZero();
        add(b, "pod-b", 1);
        eventually("and B's new writes reach A", () -> blocks(a, "pod-b", 1) == 1);
    }

    @Test
    void afterARedisRestartReplicasResyncAndLateJoinersGetTheSnapshot() throws Exception {
        RedisIndexSettings settings = RedisIndexSettings.defaults(REDIS.url()).withOutbox(10_000, 0);
        RedisKvBlockIndex a = replica(settings);
        RedisKvBlockIndex b = replica(settings);
        add(a, "pod-a", 1, 2);
        eventually("B sees pod-a", () -> blocks(b, "pod-a", 1, 2) == 2);
        // Both must have followed the stream before the restart: a replica whose first connection comes after it
        // has nothing to resync (it starts from the new stream), and on a loaded machine A's consumer can be later
        // than B's (a CI run here waited 30 s for A's resync that could not come).
        eventually("both replicas follow the stream", () -> a.stats().connected() && b.stats().connected());

        REDIS.stop();
        // Dropped (publishRetries 0): the restarted Redis will not have it in its stream.
        add(a, "pod-a", 3);
        eventually("the write is dropped", () -> a.stats().droppedOps() >= 1);
        REDIS.start();

        eventually("both replicas notice the restart", () -> a.stats().resyncs() > 0 && b.stats().resyncs() > 0);
        a.snapshotNow();
        RedisKvBlockIndex c = replica(settings);
        eventually("a late joiner starts from A's snapshot", () -> blocks(c, "pod-a", 1, 2, 3) == 3);
        add(b, "pod-b", 1);
        eventually("and everyone follows the new stream", () -> blocks(a, "pod-b", 1) == 1
                && blocks(c, "pod-b", 1) == 1);
        assertThat(blocks(b, "pod-a", 1, 2, 3)).as("B keeps its mirror across the restart").isEqualTo(2);
    }
}
