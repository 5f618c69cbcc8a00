package io.quarkiverse.llmd.benchmarks.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.HashAlgorithm;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEventBatch;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecoder;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;

/**
 * KV-event ingestion on one thread: decoding a msgpack EventBatch and applying it to the in-memory index, reported
 * per event. The stream imitates vLLM's publisher in steady state: each message is one engine step of one of 8
 * pods, with 8 BlockStored events (one full block each, chained to the previous event's block, tokens from a
 * 150k vocabulary, array form with every field as vLLM 0.26 sends it) and 8 BlockRemoved events (one hash each,
 * as BlockPool emits them) evicting the blocks that pod stored 512 messages earlier, so the index stays at a
 * constant size (4,096 blocks, in cache; {@link KvBlockIndexInsertBenchmark} covers a full 1M-block index).
 * Reported per event in sample-time mode: the median of a sample is what one core spends, even on a busy machine
 * where throughput mode would also count time spent descheduled; events per second on one core are
 * {@code 1e9 / p50}. Run with {@code bin/llmd-bench jmh KvEventIngest}. On a machine shared with other work,
 * {@link #main} measures the same loop in thread CPU time instead:
 * {@code java -cp benchmarks/target/llmd-bench.jar io.quarkiverse.llmd.benchmarks.jmh.KvEventIngestBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class KvEventIngestBenchmark {

    static final int PODS = 8;
    static final int STORED_PER_MESSAGE = 8;
    static final int EVENTS_PER_MESSAGE = 2 * STORED_PER_MESSAGE;
    static final int MESSAGES = 4096;
    static final int LAG = 512;

    @Param({ "cbor-fnv", "xxh64" })
    public String hashAlgorithm;

    @Param({ "16", "64" })
    public int blockSize;

    private byte[][] payloads;
    private String[] pods;
    private KvEventIngestor ingestor;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(17);
        pods = new String[PODS];
        for (int p = 0; p < PODS; p++) {
            pods[p] = "10.0.0." + (p + 1) + ":8000";
        }
        long[][] stored = new long[MESSAGES][STORED_PER_MESSAGE];
        payloads = new byte[MESSAGES][];
        for (int m = 0; m < MESSAGES; m++) {
            for (int i = 0; i < STORED_PER_MESSAGE; i++) {
                stored[m][i] = random.nextLong() | Long.MIN_VALUE; // vLLM's hashes are usually >= 2^63
            }
            long[] evicted = stored[Math.floorMod(m - LAG, MESSAGES)];
            payloads[m] = encode(random, stored[m], evicted, blockSize);
        }
        ingestor = new KvEventIngestor(new InMemoryKvBlockIndex(),
                new BlockKeyHasher(HashAlgorithm.fromConfig(hashAlgorithm), blockSize, "42"));
        // One pass so the index is in steady state before measuring.
        for (int m = 0; m < MESSAGES; m++) {
            ingestOne();
        }
    }

    private void ingestOne() {
        int m = next;
        next = m + 1 == MESSAGES ? 0 : m + 1;
        KvEventBatch batch = KvEventDecoder.decode(payloads[m]);
        ingestor.apply(pods[m % PODS], "Qwen/Qwen3-32B", batch);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS_PER_MESSAGE)
    public void decodeAndApply() {
        ingestOne();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS_PER_MESSAGE)
    public KvEventBatch decodeOnly() {
        int m = next;
        next = m + 1 == MESSAGES ? 0 : m + 1;
        return KvEventDecoder.decode(payloads[m]);
    }

    /** Events per second of thread CPU time for every parameter combination (after a warm-up). */
    public static void main(String[] args) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String algorithm : new String[] { "cbor-fnv", "xxh64" }) {
            for (int size : new int[] { 16, 64 }) {
                KvEventIngestBenchmark b = new KvEventIngestBenchmark();
                b.hashAlgorithm = algorithm;
                b.blockSize = size;
                b.setUp();
                double decode = 0;
                double total = 0;
                int messages = 50_000;
                for (int round = 0; round < 5; round++) {
                    long start = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < messages; i++) {
                        b.decodeOnly();
                    }
                    long middle = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < messages; i++) {
                        b.decodeAndApply();
                    }
                    long end = threads.getCurrentThreadCpuTime();
                    decode = (middle - start) / (messages * (double) EVENTS_PER_MESSAGE);
                    total = (end - middle) / (messages * (double) EVENTS_PER_MESSAGE);
                }
                System.out.printf("hashAlgorithm=%s blockSize=%d: decode %.0f ns/event, decode+apply %.0f ns/event"
                        + " = %.2f M events/s per core (CPU time)%n", algorithm, size, decode, total, 1e3 / total);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ encoding

    /** One EventBatch in vLLM's array form. */
    static byte[] encode(SplittableRandom random, long[] stored, long[] evicted, int blockSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x93);
        out.write(0xCB);
        writeLong(out, Double.doubleToLongBits(1.789e9));
        arrayHeader(out, stored.length + evicted.length);
        for (int i = 0; i < stored.length; i++) {
            out.write(0x9C); // tag + 11 fields
            str(out, "BlockStored");
            out.write(0x91);
            out.write(0xCF);
            writeLong(out, stored[i]);
            if (i == 0) {
                out.write(0xC0);
            } else {
                out.write(0xCF);
                writeLong(out, stored[i - 1]);
            }
            arrayHeader(out, blockSize);
            for (int t = 0; t < blockSize; t++) {
                uint(out, random.nextInt(151_936));
            }
            uint(out, blockSize);
            out.write(0xC0); // lora_id
            str(out, "GPU");
            out.write(0xC0); // lora_name
            out.write(0x91); // extra_keys [None]
            out.write(0xC0);
            out.write(0x00); // group_idx
            str(out, "full_attention");
            out.write(0xC0); // sliding window
        }
        for (long hash : evicted) {
            out.write(0x94);
            str(out, "BlockRemoved");
            out.write(0x91);
            out.write(0xCF);
            writeLong(out, hash);
            str(out, "GPU");
            out.write(0x00);
        }
        out.write(0x00); // data_parallel_rank
        return out.toByteArray();
    }

    private static void arrayHeader(ByteArrayOutputStream out, int n) {
        if (n < 16) {
            out.write(0x90 | n);
        } else {
            out.write(0xDC);
            out.write(n >>> 8);
            out.write(n);
        }
    }

    private static void uint(ByteArrayOutputStream out, int v) {
        if (v < 128) {
            out.write(v);
        } else if (v < 256) {
            out.write(0xCC);
            out.write(v);
        } else if (v < 65536) {
            out.write(0xCD);
            out.write(v >>> 8);
            out.write(v);
        } else {
            out.write(0xCE);
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
        }
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(0xA0 | b.length);
        out.writeBytes(b);
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
    }
}
