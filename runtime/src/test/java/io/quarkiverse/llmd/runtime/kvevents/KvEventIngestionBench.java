package io.quarkiverse.llmd.runtime.kvevents;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.HashAlgorithm;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecoder;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;
import io.quarkiverse.llmd.engine.kvcache.KvEventMessage;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventSettings;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;

/**
 * Ingestion rate of block events end to end: a PUB socket in this JVM sends pre-encoded vLLM batches (one
 * BlockStored of 16 blocks x 16 tokens each, array form, uint64 hashes) to the subscriber's bound SUB socket over
 * loopback TCP; the clock runs from the first to the last batch applied to the index (decode, block keys with
 * cbor-fnv, index update), with one index writer. The same payloads are also decoded and applied in a plain loop,
 * without sockets, for comparison. Measured, never asserted.
 * <p>
 * Not a surefire test (no {@code Test} suffix): {@code ./mvnw -B -o -pl runtime,deployment -am verify
 * -Dtest=KvEventIngestionBench -Dsurefire.failIfNoSpecifiedTests=false -DskipFuzz=true [-Dbench.batches=200000]};
 * results in {@code runtime/target/kv-event-ingestion.txt}.
 */
class KvEventIngestionBench {

    static final int BLOCKS = 16;
    static final int BLOCK_SIZE = 16;

    /** {@code [ts, [["BlockStored", hashes, None, tokens, 16, None, "GPU", None, None, 0, "full_attention"]], 0]}. */
    static byte[] batch(Random r, long firstHash) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        out.write(0x93);
        out.write(0xcb);
        out.writeBytes(ByteBuffer.allocate(8).putDouble(System.currentTimeMillis() / 1000.0).array());
        out.write(0x91);
        out.write(0x9b);
        str(out, "BlockStored");
        out.write(0xdc); // array16: a fixarray holds at most 15
        out.write(0);
        out.write(BLOCKS);
        for (int i = 0; i < BLOCKS; i++) {
            out.write(0xcf);
            out.writeBytes(ByteBuffer.allocate(8).putLong(firstHash + i | Long.MIN_VALUE).array());
        }
        out.write(0xc0);
        int tokens = BLOCKS * BLOCK_SIZE;
        out.write(0xdc);
        out.write(tokens >> 8);
        out.write(tokens & 0xff);
        for (int i = 0; i < tokens; i++) {
            out.write(0xce);
            out.writeBytes(ByteBuffer.allocate(4).putInt(r.nextInt(150_000)).array());
        }
        out.write(BLOCK_SIZE);
        out.write(0xc0);
        str(out, "GPU");
        out.write(0xc0);
        out.write(0xc0);
        out.write(0x00);
        str(out, "full_attention");
        out.write(0x00);
        return out.toByteArray();
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        out.write(0xa0 | b.length);
        out.writeBytes(b);
    }

    @Test
    void measure() throws Exception {
        int batches = Integer.getInteger("bench.batches", 200_000);
        int distinct = Math.min(batches, 20_000);
        Random r = new Random(42);
        byte[][] payloads = new byte[distinct][];
        for (int i = 0; i < distinct; i++) {
            payloads[i] = batch(r, (long) i * BLOCKS);
        }
        StringBuilder report = new StringBuilder();
        report.append(String.format("batches %d x %d blocks of %d tokens (%d distinct payloads of %d bytes)%n",
                batches, BLOCKS, BLOCK_SIZE, distinct, payloads[0].length));
        for (int run = 0; run < 3; run++) {
            report.append(String.format("run %d  plain loop (decode + apply): %,.0f blocks/s%n", run,
                    plain(payloads, batches)));
            report.append(String.format("run %d  through ZMQ (PUB -> SUB -> shard): %s%n", run,
                    socket(payloads, batches)));
        }
        System.out.print(report);
        Files.writeString(Path.of("target/kv-event-ingestion.txt"), report.toString());
    }

    private static InMemoryKvBlockIndex index() {
        return new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(10_000_000));
    }

    private static double plain(byte[][] payloads, int batches) {
        InMemoryKvBlockIndex index = index();
        KvEventIngestor ingestor = new KvEventIngestor(index, new BlockKeyHasher(HashAlgorithm.CBOR_FNV, BLOCK_SIZE,
                "42"));
        long start = System.nanoTime();
        for (int i = 0; i < batches; i++) {
            ingestor.apply("10.0.0.1:8000", "m", KvEventDecoder.decode(payloads[i % payloads.length]));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return (double) batches * BLOCKS / seconds;
    }

    private static String socket(byte[][] payloads, int batches) throws Exception {
        InMemoryKvBlockIndex index = index();
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(List.of(new Endpoint("pod", "10.0.0.1:8000", Map.of(), EndpointMetrics.NONE, null)));
        KvEventMetrics metrics = new KvEventMetrics(null, "bench", index);
        long[] firstApplied = { 0 };
        IngestionShards shards = new IngestionShards("bench", 1, 4096, index,
                () -> new KvEventIngestor(index, new BlockKeyHasher(HashAlgorithm.CBOR_FNV, BLOCK_SIZE, "42")),
                metrics, () -> System.currentTimeMillis() / 1000.0);
        KvEventSubscriber subscriber = new KvEventSubscriber("bench",
                new KvEventSettings("tcp://127.0.0.1:*", "kv@", 1, "vllm", false, "", "", 5557, 0), registry, shards, metrics,
                KvEventSubscriber.Settings.DEFAULTS);
        subscriber.start();
        try (ZContext context = new ZContext(1)) {
            while (subscriber.boundEndpoint() == null) {
                Thread.sleep(5);
            }
            ZMQ.Socket pub = context.createSocket(SocketType.PUB);
            pub.setSndHWM(0); // the whole run may queue: the subscriber's pace is what is measured
            pub.connect(subscriber.boundEndpoint());
            byte[] topic = "kv@10.0.0.1:8000@m".getBytes(StandardCharsets.UTF_8);
            long seq = 0;
            // warm-up until the link is up, so that no measured batch is lost to the late joiner
            while (metrics.stats().batches() == 0) {
                send(pub, topic, seq++, payloads[0]);
                Thread.sleep(10);
            }
            Thread.sleep(200);
            long base = metrics.stats().batches();
            long start = System.nanoTime();
            for (int i = 0; i < batches; i++) {
                send(pub, topic, seq++, payloads[i % payloads.length]);
            }
            long sent = System.nanoTime();
            while (metrics.stats().batches() - base < batches && System.nanoTime() - sent < 120_000_000_000L) {
                Thread.sleep(1);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long applied = metrics.stats().batches() - base;
            KvEventStats stats = metrics.stats();
            return String.format("%,.0f blocks/s (%d of %d batches in %.2f s; gaps %d, lost %d)",
                    applied * BLOCKS / seconds, applied, batches, seconds, stats.gaps(), stats.lost());
        } finally {
            subscriber.close();
        }
    }

    private static void send(ZMQ.Socket pub, byte[] topic, long seq, byte[] payload) {
        pub.send(topic, ZMQ.SNDMORE);
        pub.send(KvEventMessage.sequenceFrame(seq), ZMQ.SNDMORE);
        pub.send(payload);
    }
}
