package io.quarkiverse.llmd.runtime.kvcache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexContract;
import io.quarkiverse.llmd.engine.kvcache.KvPrefixMatch;
import io.vertx.core.Vertx;

/**
 * The whole contract again, with every change made through replica A and every question asked of replica B once
 * B has applied what A published: B's mirror, fed only through Redis, must behave as the index itself (same
 * matches, engine-key resolution, evictions, clears, removals and LRU order).
 */
class ReplicatedKvBlockIndexContractTest extends KvBlockIndexContract {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final AtomicInteger SCOPES = new AtomicInteger();
    private static Vertx vertx;
    private final List<RedisKvBlockIndex> opened = new ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void closeIndexes() {
        opened.forEach(RedisKvBlockIndex::close);
    }

    @Override
    protected KvBlockIndex newIndex(long capacityBlocks) {
        String scope = "replicated-" + SCOPES.incrementAndGet();
        RedisIndexSettings settings = RedisIndexSettings.defaults(REDIS.url());
        RedisKvBlockIndex a = new RedisKvBlockIndex(vertx, settings, scope,
                InMemoryKvBlockIndex.Config.withCapacity(capacityBlocks));
        RedisKvBlockIndex b = new RedisKvBlockIndex(vertx, settings, scope,
                InMemoryKvBlockIndex.Config.withCapacity(capacityBlocks));
        opened.add(a);
        opened.add(b);
        return new Replicated(a, b);
    }

    /** Writes go to A; reads come from B after B has applied everything A wrote so far. */
    private record Replicated(RedisKvBlockIndex a, RedisKvBlockIndex b) implements KvBlockIndex {

        @Override
        public void add(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount, String endpoint,
                String tier) {
            a.add(engineKeys, engineCount, requestKeys, requestCount, endpoint, tier);
        }

        @Override
        public void evict(long engineKey, String endpoint, String tier) {
            a.evict(engineKey, endpoint, tier);
        }

        @Override
        public void clear(String endpoint) {
            a.clear(endpoint);
        }

        @Override
        public void removeEndpoint(String endpoint) {
            a.removeEndpoint(endpoint);
        }

        @Override
        public long requestKey(long engineKey) {
            awaitPropagation();
            return b.requestKey(engineKey);
        }

        @Override
        public KvPrefixMatch longestPrefix(long[] requestKeys, int count) {
            awaitPropagation();
            return b.longestPrefix(requestKeys, count);
        }

        @Override
        public long blockCount() {
            awaitPropagation();
            return b.blockCount();
        }

        @Override
        public long entryCount() {
            awaitPropagation();
            return b.entryCount();
        }

        /** Polls until B has applied as many changes as A made (bounded; a stuck replica fails the test). */
        private void awaitPropagation() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                RedisKvBlockIndex.Stats sa = a.stats();
                RedisKvBlockIndex.Stats sb = b.stats();
                if (sa.droppedOps() > 0) {
                    throw new AssertionError("replica A dropped changes: " + sa);
                }
                if (sa.publishedOps() == sa.localOps() && sb.appliedRemoteOps() + sb.rejectedRemoteOps()
                        >= sa.localOps()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("replica B did not catch up: A " + sa + ", B " + sb);
                }
                Thread.onSpinWait();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }
}
