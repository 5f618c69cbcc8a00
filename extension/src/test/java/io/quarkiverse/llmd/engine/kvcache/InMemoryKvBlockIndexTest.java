package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class InMemoryKvBlockIndexTest extends KvBlockIndexContract {

    @Override
    protected KvBlockIndex newIndex(long capacityBlocks) {
        return new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(capacityBlocks));
    }

    private static final String[] TIERS = { "gpu", "cpu", "disk" };

    @Test
    void aLookupHashesThePromptOnlyAsFarAsTheLongestHeldPrefix() {
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex();
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 16, "");
        int[] tokens = new SplittableRandom(8).ints(4_000, 0, 150_000).toArray();
        long[] keys = hasher.requestKeys("m", tokens, 4_000, null);
        index.add(new long[0], 0, keys, 10, "a", "gpu");

        BlockKeyChain chain = hasher.chain("m", tokens, 4_000, null);
        KvPrefixMatch match = index.longestPrefix(chain);

        assertThat(match.blocks("a")).isEqualTo(10);
        assertThat(match.totalBlocks()).isEqualTo(250);
        assertThat(chain.computed()).as("blocks 0 to 10 of 250").isEqualTo(11);
        BlockKeyChain cold = hasher.chain("m", tokens, 4_000, null);
        assertThat(new InMemoryKvBlockIndex().longestPrefix(cold).blocksByEndpoint()).isEmpty();
        assertThat(cold.computed()).as("an empty index needs block 0 only").isEqualTo(1);
        BlockKeyChain xxh = new BlockKeyHasher(HashAlgorithm.XXH64, 16, "").chain("m", tokens, 4_000, null);
        new InMemoryKvBlockIndex().longestPrefix(xxh);
        assertThat(xxh.computed()).as("xxh64: block 0 and one stride").isEqualTo(1 + BlockKeyChain.XXH64_AHEAD);
    }

    /** Random adds, evictions, clears and removals, compared with the plain oracle after every step. */
    @Test
    void behavesLikeTheOracleUnderRandomOperations() {
        for (long seed = 1; seed <= 3; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(50_000));
            ReferenceKvBlockIndex oracle = new ReferenceKvBlockIndex(50_000, InMemoryKvBlockIndex.DEFAULT_TIER_WEIGHTS);
            long nextEngineKey = 1;
            for (int step = 0; step < 2_000; step++) {
                int op = random.nextInt(100);
                String endpoint = "pod-" + random.nextInt(70);
                String tier = TIERS[random.nextInt(TIERS.length)];
                if (op < 55) {
                    // A chain of request keys from a small universe so that endpoints share prefixes.
                    int length = 1 + random.nextInt(12);
                    long[] keys = new long[length];
                    long start = random.nextInt(40) * 100L;
                    for (int i = 0; i < length; i++) {
                        keys[i] = start + i;
                    }
                    int engineCount = random.nextInt(4) == 0 ? 0 : Math.max(1, length * (1 + random.nextInt(3)) / 2);
                    long[] engineKeys = new long[engineCount];
                    for (int i = 0; i < engineCount; i++) {
                        engineKeys[i] = nextEngineKey++;
                    }
                    index.add(engineKeys, engineCount, keys, length, endpoint, tier);
                    oracle.add(engineKeys, engineCount, keys, length, endpoint, tier);
                } else if (op < 85) {
                    long engineKey = 1 + random.nextLong(nextEngineKey);
                    index.evict(engineKey, endpoint, tier);
                    oracle.evict(engineKey, endpoint, tier);
                } else if (op < 92) {
                    index.clear(endpoint);
                    oracle.clear(endpoint);
                } else {
                    index.removeEndpoint(endpoint);
                    oracle.removeEndpoint(endpoint);
                }
                long engineKey = 1 + random.nextLong(nextEngineKey);
                assertThat(index.requestKey(engineKey)).as("seed %d step %d engine key %d", seed, step, engineKey)
                        .isEqualTo(oracle.requestKey(engineKey));
                assertSame(index, oracle, random, "seed " + seed + " step " + step);
            }
        }
    }

    /** With a small capacity, LRU eviction and table reuse; no engine-key evictions (see the class notes). */
    @Test
    void evictsLikeTheOracleAtCapacity() {
        SplittableRandom random = new SplittableRandom(99);
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(300));
        ReferenceKvBlockIndex oracle = new ReferenceKvBlockIndex(300, InMemoryKvBlockIndex.DEFAULT_TIER_WEIGHTS);
        for (int step = 0; step < 5_000; step++) {
            String endpoint = "pod-" + random.nextInt(10);
            if (random.nextInt(50) == 0) {
                index.clear(endpoint);
                oracle.clear(endpoint);
            } else {
                int length = 1 + random.nextInt(20);
                long[] keys = new long[length];
                long start = random.nextInt(100) * 1_000L;
                for (int i = 0; i < length; i++) {
                    keys[i] = start + i;
                }
                long[] engineKeys = new long[length];
                for (int i = 0; i < length; i++) {
                    engineKeys[i] = random.nextLong();
                }
                String tier = TIERS[random.nextInt(2)];
                index.add(engineKeys, length, keys, length, endpoint, tier);
                oracle.add(engineKeys, length, keys, length, endpoint, tier);
            }
            assertSame(index, oracle, random, "step " + step);
        }
        assertThat(index.lruEvictions()).isGreaterThan(1000);
        assertThat(index.blockCount()).isEqualTo(300);
    }

    private static void assertSame(InMemoryKvBlockIndex index, ReferenceKvBlockIndex oracle, SplittableRandom random,
            String where) {
        assertThat(index.blockCount()).as(where).isEqualTo(oracle.blockCount());
        assertThat(index.entryCount()).as(where).isEqualTo(oracle.entryCount());
        for (int probe = 0; probe < 3; probe++) {
            long start = random.nextInt(100) * (random.nextBoolean() ? 100L : 1_000L);
            int length = 1 + random.nextInt(25);
            long[] keys = new long[length];
            for (int i = 0; i < length; i++) {
                keys[i] = start + i;
            }
            KvPrefixMatch got = index.longestPrefix(keys, length);
            KvPrefixMatch want = oracle.longestPrefix(keys, length);
            assertThat(got.blocksByEndpoint()).as(where).isEqualTo(want.blocksByEndpoint());
            for (String endpoint : want.blocksByEndpoint().keySet()) {
                assertThat(got.score(endpoint)).as(where).isCloseTo(want.score(endpoint), within(1e-9));
            }
        }
    }

    @Test
    void heapPerEntryAtCapacityIsAtMost64Bytes() {
        int capacity = 200_000;
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(capacity));
        long[] keys = new long[16];
        long[] engineKeys = new long[16];
        SplittableRandom random = new SplittableRandom(5);
        // Twice the capacity, one endpoint per block, one engine key per block: the worst case per entry.
        for (int chunk = 0; chunk < 2 * capacity / 16; chunk++) {
            for (int i = 0; i < 16; i++) {
                keys[i] = random.nextLong();
                engineKeys[i] = random.nextLong();
            }
            index.add(engineKeys, 16, keys, 16, "pod-" + (chunk % 8), "gpu");
        }
        assertThat(index.blockCount()).isEqualTo(capacity);
        assertThat(index.entryCount()).isEqualTo(capacity);
        double perEntry = (double) index.arrayBytes() / index.entryCount();
        assertThat(perEntry).as("bytes per (block, endpoint) entry").isLessThanOrEqualTo(64.0);
    }

    @Test
    void podsWithTheirOwnHashSeedsKeepEveryEngineKeyResolvable() {
        // 8 pods hold the same 1,000 blocks, each under its own engine keys: 8,000 live engine keys for a
        // capacity of 1,000 blocks.
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(1_000));
        long[] keys = new long[1_000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = 7_000_000L + i;
        }
        for (int pod = 0; pod < 8; pod++) {
            long[] engineKeys = new long[keys.length];
            for (int i = 0; i < keys.length; i++) {
                engineKeys[i] = (pod + 1) * 1_000_000_000L + i;
            }
            index.add(engineKeys, engineKeys.length, keys, keys.length, "pod-" + pod, "gpu");
        }
        for (int pod = 0; pod < 8; pod++) {
            for (int i = 0; i < keys.length; i += 97) {
                assertThat(index.requestKey((pod + 1) * 1_000_000_000L + i)).isEqualTo(keys[i]);
            }
        }
        assertThat(index.engineKeyCount()).isEqualTo(8_000);
        for (int i = 0; i < keys.length; i++) {
            index.evict(3_000_000_000L + i, "pod-2", "gpu");
        }
        KvPrefixMatch match = index.longestPrefix(keys, keys.length);
        assertThat(match.blocks("pod-2")).isZero();
        assertThat(match.blocks("pod-7")).isEqualTo(1_000);
        assertThat(index.entryCount()).isEqualTo(7_000);
    }

    @Test
    void configIsChecked() {
        assertThatThrownBy(() -> InMemoryKvBlockIndex.Config.withCapacity(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InMemoryKvBlockIndex.Config(10, Map.of("gpu", -1.0), 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InMemoryKvBlockIndex(
                new InMemoryKvBlockIndex.Config(10, Map.of("a", 1.0, "b", 1.0, "c", 1.0), 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tiers");
    }

    @Test
    void configuredTierWeightsApply() {
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(new InMemoryKvBlockIndex.Config(100,
                Map.of("gpu", 2.0, "cpu", 0.5, "ssd", 0.25), 4));
        add(index, "a", "ssd", 1);
        add(index, "a", "cpu", 2);
        add(index, "a", "gpu", 3);

        assertThat(lookup(index, 1, 2, 3).score("a")).isCloseTo(0.25 + 0.5 + 2.0, within(1e-9));
    }

    @Test
    void boundsEndpointsAndTiers() {
        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(new InMemoryKvBlockIndex.Config(100,
                InMemoryKvBlockIndex.DEFAULT_TIER_WEIGHTS, 2));
        add(index, "a", "gpu", 1);
        add(index, "b", "gpu", 1);
        assertThatThrownBy(() -> add(index, "c", "gpu", 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at most 2 endpoints");
        index.removeEndpoint("a");
        add(index, "c", "gpu", 1);

        add(index, "c", "t3", 2);
        add(index, "c", "t4", 3);
        assertThatThrownBy(() -> add(index, "c", "t5", 4)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tiers");
        assertThat(lookup(index, 1, 2, 3).blocks("c")).isEqualTo(3);
    }
}
