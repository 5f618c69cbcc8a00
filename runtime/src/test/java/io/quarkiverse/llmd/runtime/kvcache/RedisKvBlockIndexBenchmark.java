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
 * It prints: the ingestion rate into the shared index (block events made through replica A until replica B has
 * applied them all), the caller's cost per write on A, the lookup latency on B's mirror (250 blocks, 64 endpoints),
 * and the propagation delay of one write from A to B.
 */
class RedisKvBlockIndexBenchmark {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    @Test
    void measure() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("llmd.bench"), "set -Dllmd.bench=true to run the benchmark");
        Vertx vertx = Vertx.vertx();
        RedisIndexSettings settings = RedisIndexSettings.defaults(REDIS.url()).withOutbox(1_000_000, 10);
        InMemoryKvBlockIndex.Config config = InMemoryKvBlockIndex.Config.withCapacity(2_000_000);
        try (RedisKvBlockIndex a = new RedisKvBlockIndex(vertx, settings, "bench", config);
                RedisKvBlockIndex b = new RedisKvBlockIndex(vertx, settings, "bench", config)) {
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
            while (b.stats().appliedRemoteOps() < events) {
                Thread.sleep(1);
            }
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
            for (int p = 0; p < 64; p++) {
                a.add(new long[0], 0, prompt, 4 * (p + 1) > 250 ? 250 : 4 * (p + 1), "pod-" + p, "gpu");
            }
            while (b.stats().appliedRemoteOps() < target) {
                Thread.sleep(1);
            }
            int rounds = 200_000;
            long[] samples = new long[rounds];
            long sink = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                sink += b.longestPrefix(prompt, prompt.length).blocks("pod-63");
                samples[r] = System.nanoTime() - t0;
            }
            Arrays.sort(samples, rounds / 2, rounds);
            long[] steady = Arrays.copyOfRange(samples, rounds / 2, rounds);
            System.out.printf("lookup on B's mirror (250 blocks, 64 endpoints): p50 %.2f us, p99 %.2f us (sink %d)%n",
                    steady[steady.length / 2] / 1e3, steady[steady.length * 99 / 100] / 1e3, sink);

            // Propagation delay: one write on A until B matches it, one at a time.
            int probes = 300;
            long[] delays = new long[probes];
            for (int i = 0; i < probes; i++) {
                long[] key = { 50_000_000L + i };
                long t0 = System.nanoTime();
                a.add(new long[0], 0, key, 1, "probe", "gpu");
                while (b.longestPrefix(key, 1).blocks("probe") == 0) {
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
