package io.quarkiverse.llmd.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEvent;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;

/** KV events from the simulated pods into the precise index, and gateway replicas with their own state. */
class GatewayReplicasSimTest {

    /** The precise three-plugin form with the pods' block size, so that every engine block is one index block. */
    static final String PRECISE = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: token-producer
              parameters:
                vllm: {url: "http://localhost:8000"}
            - type: precise-prefix-cache-producer
              parameters:
                tokenProcessorConfig: {blockSizeTokens: 16, hashSeed: "42"}
            - type: prefix-cache-scorer
              parameters:
                prefixMatchInfoProducerName: precise-prefix-cache-producer
            - type: queue-scorer
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: prefix-cache-scorer
                weight: 3
              - pluginRef: queue-scorer
                weight: 2
            """;

    /** A source that keeps what each replica loaded. */
    private static final class Capture implements ClusterSimulator.ConfigSource {
        final String yaml;
        final List<EndpointPickerConfigLoader.Loaded> loaded = new ArrayList<>();

        Capture(String yaml) {
            this.yaml = yaml;
        }

        @Override
        public EndpointPickerConfigLoader.Loaded load(io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry r) {
            EndpointPickerConfigLoader.Loaded l = new EndpointPickerConfigLoader(r).load("test", yaml);
            loaded.add(l);
            return l;
        }

        <T> T plugin(int replica, Class<T> kind) {
            return loaded.get(replica).scheduler().pluginsOf(kind).get(0);
        }
    }

    private static GatewayOptions options(int replicas, double delay, PreciseIndexes.Sharing sharing) {
        return new GatewayOptions(replicas, GatewayOptions.Spread.ROUND_ROBIN, delay, sharing);
    }

    @Test
    void storedBlocksReachTheIndexAfterTheConfiguredDelay() {
        Capture source = new Capture(PRECISE);
        ClusterSimulator sim = new ClusterSimulator(TestRuns.workload(TestRuns.SHARED), TestRuns.cluster(), source,
                "precise", 1, null, options(1, 0.25, PreciseIndexes.Sharing.SHARED));
        PrecisePrefixCacheProducer producer = source.plugin(0, PrecisePrefixCacheProducer.class);
        KvBlockIndex index = producer.index();
        BlockKeyHasher hasher = producer.newHasher();
        String model = TestRuns.workload(TestRuns.SHARED).model();
        Map<String, Integer> checked = new HashMap<>();
        List<Double> lags = new ArrayList<>();
        sim.observeKvDeliveries((now, publishedAt, pod, events, applied) -> {
            lags.add(now - publishedAt);
            for (KvEvent e : events) {
                if (e instanceof KvEvent.BlockStored s && !s.hasParent()) {
                    // a chain's first block, new on this pod: absent until now, held right after
                    long[] keys = hasher.requestKeys(model, s.tokenIds(), s.tokenIds().length, null);
                    int held = index.longestPrefix(keys, keys.length).blocks(pod);
                    if (!applied) {
                        assertThat(held).as("block 0 of %s before its event is applied", pod).isZero();
                    } else if (events.get(events.size() - 1) == e) {
                        assertThat(held).isEqualTo(keys.length);
                        checked.merge(pod, 1, Integer::sum);
                    }
                }
            }
        });
        RunResult result = sim.run();
        assertThat(result.log().size()).isGreaterThan(100);
        assertThat(lags).isNotEmpty().allSatisfy(l -> assertThat(l).isCloseTo(0.25, within(1e-9)));
        assertThat(checked).isNotEmpty();
        Map<String, Long> stats = sim.kvEventStats();
        assertThat(stats.get("blocks_stored")).isPositive();
        assertThat(stats.get("indexes")).isEqualTo(1L);
    }

    @Test
    void aPodsEvictionRemovesItsEntries() {
        // a small cache per pod: unique random prompts push earlier blocks out
        ClusterSimulator sim = new ClusterSimulator(TestRuns.workload(TestRuns.RANDOM), TestRuns.cluster().withHardware(
                TestRuns.cluster().hardware().withKv(96, 16)), new Capture(PRECISE), "precise", 1, null,
                options(1, 0.0, PreciseIndexes.Sharing.SHARED));
        Map<Long, Long> requestKeyOf = new HashMap<>();
        int[] removedAfter = new int[2];
        sim.observeKvDeliveries((now, publishedAt, pod, events, applied) -> {
            KvBlockIndex index = sim.preciseIndexesForTest().get(0);
            for (KvEvent e : events) {
                if (e instanceof KvEvent.BlockRemoved r) {
                    for (long engineKey : r.blockHashes()) {
                        if (!applied) {
                            long key = index.requestKey(engineKey);
                            if (key != KvBlockIndex.NO_KEY
                                    && index.longestPrefix(new long[] { key }, 1).blocks(pod) == 1) {
                                requestKeyOf.put(engineKey, key);
                            }
                        } else if (requestKeyOf.containsKey(engineKey) && !storedLater(events, e, engineKey)) {
                            removedAfter[0]++;
                            long key = requestKeyOf.remove(engineKey);
                            if (index.longestPrefix(new long[] { key }, 1).blocks(pod) == 0) {
                                removedAfter[1]++;
                            }
                        }
                    }
                }
            }
        });
        sim.run();
        assertThat(sim.kvEventStats().get("engine_blocks_removed")).isPositive();
        assertThat(removedAfter[0]).as("evictions of indexed blocks").isGreaterThan(10);
        assertThat(removedAfter[1]).isEqualTo(removedAfter[0]);
    }

    private static boolean storedLater(List<KvEvent> events, KvEvent after, long engineKey) {
        for (int i = events.indexOf(after) + 1; i < events.size(); i++) {
            if (events.get(i) instanceof KvEvent.BlockStored s) {
                for (long k : s.blockHashes()) {
                    if (k == engineKey) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void eachReplicasApproximateIndexSeesOnlyItsOwnRequests() {
        // unique prompts and room for all of them: an index's size is the blocks of the requests it saw
        Capture one = new Capture(TestRuns.APPROX);
        ClusterSimulator.run(TestRuns.workload(TestRuns.RANDOM), TestRuns.cluster(), one, "a", 1, null,
                options(1, 0.01, PreciseIndexes.Sharing.SHARED));
        Capture two = new Capture(TestRuns.APPROX);
        GatewayRun run = ClusterSimulator.run(TestRuns.workload(TestRuns.RANDOM), TestRuns.cluster(), two, "a", 1,
                null, options(2, 0.01, PreciseIndexes.Sharing.SHARED));
        int all = one.plugin(0, ApproxPrefixCacheProducer.class).index().size();
        int r0 = two.plugin(0, ApproxPrefixCacheProducer.class).index().size();
        int r1 = two.plugin(1, ApproxPrefixCacheProducer.class).index().size();
        assertThat(r0).isPositive().isLessThan(all);
        assertThat(r1).isPositive().isLessThan(all);
        assertThat(r0 + r1).isEqualTo(all);
        long toReplica0 = java.util.Arrays.stream(run.gatewayOf()).filter(g -> g == 0).count();
        assertThat(toReplica0).isEqualTo((run.result().log().size() + 1) / 2); // round robin
    }

    @Test
    void theSharedPreciseIndexSeesEveryReplicasRequests() {
        Capture shared = new Capture(PRECISE);
        GatewayRun run = ClusterSimulator.run(TestRuns.workload(TestRuns.SHARED), TestRuns.cluster(), shared,
                "p", 1, null, options(2, 0.01, PreciseIndexes.Sharing.SHARED));
        KvBlockIndex i0 = shared.plugin(0, PrecisePrefixCacheProducer.class).index();
        assertThat(shared.plugin(1, PrecisePrefixCacheProducer.class).index()).isSameAs(i0);
        assertThat(run.kvEvents().get("indexes")).isEqualTo(1L);
        // per replica: two indexes, each fed every pod's events, so each holds what the shared one holds
        Capture separate = new Capture(PRECISE);
        GatewayRun run2 = ClusterSimulator.run(TestRuns.workload(TestRuns.SHARED), TestRuns.cluster(), separate,
                "p", 1, null, options(2, 0.01, PreciseIndexes.Sharing.PER_REPLICA));
        KvBlockIndex s0 = separate.plugin(0, PrecisePrefixCacheProducer.class).index();
        KvBlockIndex s1 = separate.plugin(1, PrecisePrefixCacheProducer.class).index();
        assertThat(s0).isNotSameAs(s1);
        assertThat(run2.kvEvents().get("indexes")).isEqualTo(2L);
        assertThat(s0.entryCount()).isPositive().isEqualTo(s1.entryCount()).isEqualTo(i0.entryCount());
        // requests from both replicas: the shared index holds the blocks of both replicas' requests
        assertThat(java.util.Arrays.stream(run.gatewayOf()).distinct().count()).isEqualTo(2);
    }

    @Test
    void singleGatewayRunIsTheRunOfTheLoadedConfig() {
        RunResult before = TestRuns.run(TestRuns.SHARED, TestRuns.APPROX, "a", 5);
        GatewayRun now = ClusterSimulator.run(TestRuns.workload(TestRuns.SHARED), TestRuns.cluster(),
                ClusterSimulator.ConfigSource.of("a", TestRuns.APPROX), "a", 5, null, GatewayOptions.SINGLE);
        assertThat(Summary.of(now.result())).isEqualTo(Summary.of(before));
    }

    @Test
    void badGatewayOptionsAreRejected() {
        assertThatThrownBy(() -> options(0, 0, PreciseIndexes.Sharing.SHARED))
                .hasMessageContaining("--gateway-replicas");
        assertThatThrownBy(() -> options(2, -1, PreciseIndexes.Sharing.SHARED))
                .hasMessageContaining("--kv-event-delay");
        assertThatThrownBy(() -> PreciseIndexes.Sharing.parse("global")).hasMessageContaining("per-replica");
        assertThatThrownBy(() -> GatewayOptions.Spread.parse("sticky")).hasMessageContaining("round-robin");
    }
}
