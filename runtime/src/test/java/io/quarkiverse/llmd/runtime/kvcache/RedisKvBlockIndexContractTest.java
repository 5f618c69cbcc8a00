package io.quarkiverse.llmd.runtime.kvcache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexContract;
import io.vertx.core.Vertx;

/** The shared index, used as one replica against a real redis-server, passes the in-memory index's contract. */
class RedisKvBlockIndexContractTest extends KvBlockIndexContract {

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
        RedisKvBlockIndex index = new RedisKvBlockIndex(vertx, RedisIndexSettings.defaults(REDIS.url()),
                "contract-" + SCOPES.incrementAndGet(), InMemoryKvBlockIndex.Config.withCapacity(capacityBlocks));
        opened.add(index);
        return index;
    }
}
