package io.quarkiverse.llmd.runtime.kvevents;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEventBatch;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecodeException;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecoder;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;

/**
 * The writers of one index: {@code concurrency} daemon threads, each with its own {@link KvEventIngestor} and a
 * bounded queue. Work for one endpoint always goes to the same shard ({@code FNV-1a-32(key) % concurrency}, as
 * llm-d's pool shards by pod), so one endpoint's batches, and the purge when it leaves, are applied in the order
 * they were submitted; the index serialises the shards' writes itself.
 * <p>
 * Payloads are decoded here, not on the socket thread, so that decoding scales with the shards. A batch the decoder
 * refuses is counted and dropped; nothing a publisher sends can stop a worker.
 */
final class IngestionShards implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(IngestionShards.class);

    /** What a shard does next. */
    sealed interface Work permits Batch, Purge, Barrier {
    }

    /**
     * A message payload to decode and apply.
     *
     * @param podId the identifier the entries are stored under
     * @param model the topic's model ("" when the topic names none)
     */
    record Batch(String podId, String model, byte[] payload) implements Work {
    }

    /** An endpoint left: its entries go, under each identifier it was seen with. */
    record Purge(List<String> podIds) implements Work {
    }

    /** Runs once everything submitted before it to the same shard is applied (tests, orderly shutdown). */
    record Barrier(Runnable action) implements Work {
    }

    /** A clock for the lag metric: epoch seconds. */
    @FunctionalInterface
    interface WallClock {
        double epochSeconds();
    }

    private static final Work STOP = new Barrier(() -> {
    });

    private final String pool;
    private final KvBlockIndex index;
    private final KvEventMetrics metrics;
    private final WallClock clock;
    private final List<BlockingQueue<Work>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private long lastRejectLog;

    IngestionShards(String pool, int concurrency, int queueCapacity, KvBlockIndex index,
            Supplier<KvEventIngestor> ingestors, KvEventMetrics metrics, WallClock clock) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1: " + concurrency);
        }
        this.pool = pool;
        this.index = index;
        this.metrics = metrics;
        this.clock = clock;
        for (int i = 0; i < concurrency; i++) {
            BlockingQueue<Work> queue = new ArrayBlockingQueue<>(queueCapacity);
            KvEventIngestor ingestor = ingestors.get();
            Thread t = new Thread(() -> run(queue, ingestor), "llmd-kv-events-" + pool + "-" + i);
            t.setDaemon(true);
            queues.add(queue);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** llm-d's shard choice: FNV-1a-32 of the key, modulo the shard count. */
    static int shard(String key, int shards) {
        int h = 0x811C9DC5;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x01000193;
        }
        return (int) Long.remainderUnsigned(h & 0xFFFFFFFFL, shards);
    }

    /**
     * Queues work for the shard of {@code key}. Blocks while that shard is full, which pushes back on the socket:
     * ZMQ then queues, and past its high-water mark the publisher drops, which shows up here as a sequence gap to
     * replay, instead of silently losing the batch in between.
     *
     * @return false when the shards are closed
     */
    boolean submit(String key, Work work) {
        BlockingQueue<Work> queue = queues.get(shard(key, queues.size()));
        try {
            while (running) {
                if (queue.offer(work, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void run(BlockingQueue<Work> queue, KvEventIngestor ingestor) {
        while (true) {
            Work work;
            try {
                work = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (work == STOP) {
                return;
            }
            try {
                if (work instanceof Batch b) {
                    apply(ingestor, b);
                } else if (work instanceof Purge p) {
                    for (String id : p.podIds()) {
                        index.removeEndpoint(id);
                    }
                } else if (work instanceof Barrier barrier) {
                    barrier.action().run();
                }
            } catch (RuntimeException e) {
                // A bug or a refusal of the index: never let it end the worker.
                metrics.dropped(KvEventMetrics.DropReason.REJECTED);
                logRejected(e);
            }
        }
    }

    private void apply(KvEventIngestor ingestor, Batch b) {
        KvEventBatch batch;
        try {
            batch = KvEventDecoder.decode(b.payload());
        } catch (KvEventDecodeException e) {
            metrics.dropped(KvEventMetrics.DropReason.MALFORMED);
            LOG.debugf("pool %s: malformed KV-event payload from %s dropped: %s", pool, b.podId(), e.getMessage());
            return;
        }
        ingestor.apply(b.podId(), b.model(), batch);
        metrics.applied(batch.events().size(), clock.epochSeconds() - batch.timestamp());
    }

    private void logRejected(RuntimeException e) {
        long now = System.nanoTime();
        if (lastRejectLog == 0 || now - lastRejectLog > TimeUnit.SECONDS.toNanos(10)) {
            lastRejectLog = now;
            LOG.warnf(e, "pool %s: a KV-event batch could not be applied", pool);
        }
    }

    /** Runs {@code action} on the shard of {@code key} after the work queued before it. */
    boolean barrier(String key, Runnable action) {
        return submit(key, new Barrier(action));
    }

    int concurrency() {
        return queues.size();
    }

    /** Lets each shard finish what is queued, then stops it; waits up to {@code timeoutMillis} in all. */
    @Override
    public void close() {
        close(2_000);
    }

    void close(long timeoutMillis) {
        for (BlockingQueue<Work> q : queues) {
            if (!q.offer(STOP)) {
                running = false;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        running = false;
    }
}
