package io.quarkiverse.llmd.benchmarks.jmh;

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

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;

/**
 * Storing new blocks in a full in-memory index (the tables far larger than the CPU caches): each invocation adds
 * 16 new blocks with their engine keys for one of 8 endpoints, so 16 of the least recently stored blocks are
 * evicted and engine-map sweeps run at their steady-state rate. Reported per block; the key generation
 * (a few nanoseconds) is included. Run with {@code bin/llmd-bench jmh KvBlockIndexInsert}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms2g", "-Xmx2g" })
public class KvBlockIndexInsertBenchmark {

    static final int BATCH = 16;

    @Param({ "1000000" })
    public int capacity;

    private InMemoryKvBlockIndex index;
    private final SplittableRandom random = new SplittableRandom(9);
    private final long[] keys = new long[BATCH];
    private final long[] engineKeys = new long[BATCH];
    private final String[] pods = new String[8];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        for (int p = 0; p < pods.length; p++) {
            pods[p] = "10.0.0." + (p + 1) + ":8000";
        }
        index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(capacity));
        for (int i = 0; i < 2 * capacity / BATCH; i++) {
            insertBatch();
        }
    }

    private void insertBatch() {
        for (int i = 0; i < BATCH; i++) {
            keys[i] = random.nextLong();
            engineKeys[i] = random.nextLong();
        }
        index.add(engineKeys, BATCH, keys, BATCH, pods[next++ & 7], "gpu");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void storeNewBlocksAtCapacity() {
        insertBatch();
    }
}
