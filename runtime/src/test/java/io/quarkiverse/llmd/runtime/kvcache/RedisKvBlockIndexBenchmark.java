package io.quarkiverse.llmd.runtime.kvcache;

import java.util.Arrays;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.vertx.core.Vertx;

/**
 * Numbers for docs/benchmarks.md, on a local redis-server; runs only with {@code -Dllmd.bench=true}:
 * <pre>
 * ./mvnw -B -o -q -pl runtime,deployment -am verify -DskipITs -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dtest=RedisKvBlockIndexBenchmark -Dllmd.bench=true
 * </pre>
 * It runs three rounds (each with its own pair of replicas and stream) and prints per round: the ingestion rate into the shared index (block events made through replica A until replica B has
 * applied them all), the caller's cost per write on A, the lookup latency on B's mirror (250 blocks, 64 endpoints)
 * next to the same lookup on a plain in-memory index holding the same entries, and the propagation delay of one
 * write from A to B.
 */
class RedisKvBlockIndexBenchmark {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final long WAIT_NANOS = 120_000_000_000L;

    /** Waits until the condition holds; a benchmark that cannot finish fails rather than hangs. */
    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(1);
        }
    }

    @Test
    void measure() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("llmd.bench"), "set -Dllmd.bench=true to run the benchmark");
        for (int round = 1; round <= 3; round++) {
            System.out.println("--- round " + round);
            round("bench-" + round);
        }
    }

    private void round(String scope) throws Exception {
        Vertx vertx = Vertx.vertx();
        RedisIndexSettings settings = RedisIndexSettings.defaults(REDIS.url()).withOutbox(1_000_000, 10);
        InMemoryKvBlockIndex.Config config = InMemoryKvBlockIndex.Config.withCapacity(2_000_000);
        try (RedisKvBlockIndex a = new RedisKvBlockIndex(vertx, settings, scope, config);
                RedisKvBlockIndex b = new RedisKvBlockIndex(vertx, settings, scope, config)) {
            // A change made before B follows the stream would be missed: start measuring once both are connected.
            await("both replicas connected", () -> a.stats().connected() && b.stats().connected());
            // Ingestion: BlockStored events of 16 blocks each, from 64 pods, with engine keys.
            int events = 40_000;
            int blocksPerEvent = 16;
            long[] engine = new long[blocksPerEvent];
            long[] request = new long[blocksPerEvent];
            long start = System.nanoTime();
            for (int e = 0; e < events; e++) {
                for (int i = 0; i < blocksPerEvent; i++) {
                    request[i] = (long) e * blocksPerEvent + i + 1;
                    engine[i] = request[i] * 31;
                }
                a.add(engine, blocksPerEvent, request, blocksPerEvent, "pod-" + (e % 64), "gpu");
            }
            long written = System.nanoTime();
            await("B applied every event", () -> b.stats().appliedRemoteOps() >= events);
            long applied = System.nanoTime();
            long blocks = (long) events * blocksPerEvent;
            System.out.printf("ingestion: %d block events (%d BlockStored of %d) through A: caller %.2f us per event"
                    + " (%.0f block events/s), applied on B after %.0f ms: %.0f block events/s end to end%n",
                    blocks, events, blocksPerEvent, (written - start) / 1e3 / events,
                    blocks / ((written - start) / 1e9), (applied - start) / 1e6, blocks / ((applied - start) / 1e9));

            // Lookup on B's mirror: 250 keys that 64 pods hold at different depths.
            long[] prompt = new long[250];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 10_000_000L + i;
            }
            long target = b.stats().appliedRemoteOps() + 64;
            InMemoryKvBlockIndex plain = new InMemoryKvBlockIndex(config);
            for (int p = 0; p < 64; p++) {
                int depth = 4 * (p + 1) > 250 ? 250 : 4 * (p + 1);
                a.add(new long[0], 0, prompt, depth, "pod-" + p, "gpu");
                plain.add(new long[0], 0, prompt, depth, "pod-" + p, "gpu");
            }
            await("B applied the lookup fixture", () -> b.stats().appliedRemoteOps() >= target);
            int rounds = 200_000;
            long[] mirror = new long[rounds];
            long[] memory = new long[rounds];
            long sink = 0;
            // interleaved, so that both see the same machine load
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                sink += b.longestPrefix(prompt, prompt.length).blocks("pod-63");
                long t1 = System.nanoTime();
                sink += plain.longestPrefix(prompt, prompt.length).blocks("pod-63");
                long t2 = System.nanoTime();
                mirror[r] = t1 - t0;
                memory[r] = t2 - t1;
            }
            // the second half only: the first warms the JIT
            long[] steadyMirror = Arrays.copyOfRange(mirror, rounds / 2, rounds);
            long[] steadyMemory = Arrays.copyOfRange(memory, rounds / 2, rounds);
            Arrays.sort(steadyMirror);
            Arrays.sort(steadyMemory);
            System.out.printf("lookup (250 blocks, 64 endpoints): B's mirror p50 %.2f us, p99 %.2f us; in-memory"
                    + " index p50 %.2f us, p99 %.2f us (sink %d)%n",
                    steadyMirror[steadyMirror.length / 2] / 1e3, steadyMirror[steadyMirror.length * 99 / 100] / 1e3,
                    steadyMemory[steadyMemory.length / 2] / 1e3, steadyMemory[steadyMemory.length * 99 / 100] / 1e3,
                    sink);

            // Propagation delay: one write on A until B matches it, one at a time.
            int probes = 300;
            long[] delays = new long[probes];
            for (int i = 0; i < probes; i++) {
                long[] key = { 50_000_000L + i };
                long t0 = System.nanoTime();
                a.add(new long[0], 0, key, 1, "probe", "gpu");
                long deadline = t0 + WAIT_NANOS;
                while (b.longestPrefix(key, 1).blocks("probe") == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("probe " + i + " never reached B");
                    }
                    Thread.onSpinWait();
                }
                delays[i] = System.nanoTime() - t0;
            }
            Arrays.sort(delays);
            System.out.printf("propagation A -> B: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d writes%n",
                    delays[probes / 2] / 1e6, delays[probes * 99 / 100] / 1e6, delays[probes - 1] / 1e6, probes);
            System.out.println("stats A " + a.stats() + "\nstats B " + b.stats());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
