package io.quarkiverse.llmd.benchmarks.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;

/**
 * Heap per (block, endpoint) entry of the in-memory KV block index: fills an index of {@code capacity} blocks to
 * twice its capacity (so LRU eviction runs and the tables are at their final size), one engine key per block, and
 * reports the retained heap measured after a full GC ({@code heapBytesPerEntry}) next to the index's own account of
 * its arrays ({@code arrayBytesPerEntry}); one measured fill per configuration, so the counters are not summed
 * over iterations. The time is incidental. Run with
 * {@code bin/llmd-bench jmh KvBlockIndexFootprint}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms2g", "-Xmx2g" })
public class KvBlockIndexFootprintBenchmark {

    @Param({ "1000000" })
    public int capacity;

    /** Endpoints holding each block. */
    @Param({ "1", "4" })
    public int endpointsPerBlock;

    /**
     * Whether the endpoints report the same engine keys for a block (same PYTHONHASHSEED, as llm-d's guides set
     * it) or their own (vLLM's default random seed).
     */
    @Param({ "true", "false" })
    public boolean sharedEngineKeys;

    /** Results reported as secondary metrics. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Footprint {
        public double heapBytesPerEntry;
        public double arrayBytesPerEntry;
        public long entries;
    }

    private InMemoryKvBlockIndex retained;

    @Setup(Level.Iteration)
    public void clear() {
        retained = null;
        gc();
    }

    @Benchmark
    public void fill(Footprint footprint) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(capacity));
        SplittableRandom random = new SplittableRandom(1);
        long[] keys = new long[64];
        long[] engineKeys = new long[64];
        for (int chunk = 0; chunk < 2 * capacity / 64; chunk++) {
            for (int i = 0; i < 64; i++) {
                keys[i] = random.nextLong();
                engineKeys[i] = random.nextLong();
            }
            for (int e = 0; e < endpointsPerBlock; e++) {
                if (!sharedEngineKeys) {
                    for (int i = 0; i < 64; i++) {
                        engineKeys[i] = engineKeys[i] * 31 + e;
                    }
                }
                index.add(engineKeys, 64, keys, 64, "pod-" + ((chunk + e) % 16), "gpu");
            }
        }
        retained = index;
        gc();
        long after = memory.getHeapMemoryUsage().getUsed();
        footprint.entries = index.entryCount();
        footprint.heapBytesPerEntry = (double) (after - before) / index.entryCount();
        footprint.arrayBytesPerEntry = (double) index.arrayBytes() / index.entryCount();
    }

    private static void gc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }
}
