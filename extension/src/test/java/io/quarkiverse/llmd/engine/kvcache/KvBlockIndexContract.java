package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link KvBlockIndex} backend must show (llm-d's index semantics, kvcache-and-sim.md A3.2 and
 * A3.5). A backend's test extends this class and supplies a fresh, empty index with llm-d's default tier weights
 * (gpu 1.0, cpu 0.8, others 1.0).
 */
public abstract class KvBlockIndexContract {

    /** A fresh, empty index holding at most {@code capacityBlocks} request keys. */
    protected abstract KvBlockIndex newIndex(long capacityBlocks);

    protected KvBlockIndex newIndex() {
        return newIndex(1_000_000);
    }

    private static final long[] NO_ENGINE = new long[0];

    protected static void add(KvBlockIndex index, String endpoint, String tier, long... requestKeys) {
        index.add(NO_ENGINE, 0, requestKeys, requestKeys.length, endpoint, tier);
    }

    protected static void addMapped(KvBlockIndex index, String endpoint, String tier, long[] engineKeys,
            long[] requestKeys) {
        index.add(engineKeys, engineKeys.length, requestKeys, requestKeys.length, endpoint, tier);
    }

    protected static KvPrefixMatch lookup(KvBlockIndex index, long... keys) {
        return index.longestPrefix(keys, keys.length);
    }

    @Test
    void anEmptyIndexMatchesNothing() {
        KvBlockIndex index = newIndex();

        KvPrefixMatch match = lookup(index, 1, 2, 3);

        assertThat(match.blocks("a")).isZero();
        assertThat(match.score("a")).isZero();
        assertThat(match.totalBlocks()).isEqualTo(3);
        assertThat(match.blocksByEndpoint()).isEmpty();
        assertThat(index.blockCount()).isZero();
        assertThat(lookup(index).totalBlocks()).isZero();
    }

    @Test
    void aChainHashedOnDemandMatchesLikeItsKeys() {
        KvBlockIndex index = newIndex();
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "");
        int[] tokens = new java.util.SplittableRandom(2).ints(200, 0, 150_000).toArray();
        long[] keys = hasher.requestKeys("m", tokens, 200, null);
        add(index, "a", "gpu", java.util.Arrays.copyOf(keys, 10));
        add(index, "b", "gpu", java.util.Arrays.copyOf(keys, 4));
        add(index, "b", "cpu", java.util.Arrays.copyOfRange(keys, 4, 7));

        KvPrefixMatch byChain = index.longestPrefix(hasher.chain("m", tokens, 200, null));

        KvPrefixMatch byKeys = lookup(index, keys);
        assertThat(byChain.blocksByEndpoint()).isEqualTo(Map.of("a", 10, "b", 7)).isEqualTo(byKeys.blocksByEndpoint());
        assertThat(byChain.score("b")).isCloseTo(4 + 3 * 0.8, within(1e-9)).isEqualTo(byKeys.score("b"));
        assertThat(byChain.totalBlocks()).isEqualTo(50);
        assertThat(index.longestPrefix(hasher.chain("m", tokens, 3, null)).totalBlocks()).isZero();
    }

    @Test
    void eachEndpointCountsItsLeadingConsecutiveBlocks() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 11, 12, 13);
        add(index, "b", "gpu", 11, 13);
        add(index, "c", "gpu", 12, 13);

        KvPrefixMatch match = lookup(index, 11, 12, 13, 14);

        assertThat(match.blocks("a")).isEqualTo(3);
        assertThat(match.blocks("b")).isEqualTo(1);
        assertThat(match.blocks("c")).isZero();
        assertThat(match.blocks("unknown")).isZero();
        assertThat(match.blocksByEndpoint()).isEqualTo(Map.of("a", 3, "b", 1));
        assertThat(match.score("a")).isCloseTo(3.0, within(1e-9));
    }

    @Test
    void theWalkStopsAtTheFirstKeyNobodyHolds() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 1, 3);

        assertThat(lookup(index, 1, 2, 3).blocks("a")).isEqualTo(1);
        assertThat(lookup(index, 2, 1, 3).blocks("a")).isZero();
        assertThat(lookup(index, 1, 2, 3).totalBlocks()).isEqualTo(3);
    }

    @Test
    void eachBlockScoresTheBestTierTheEndpointHoldsItOn() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 1, 2);
        add(index, "a", "cpu", 2, 3);
        add(index, "b", "cpu", 1, 2, 3);

        KvPrefixMatch match = lookup(index, 1, 2, 3);

        assertThat(match.blocks("a")).isEqualTo(3);
        assertThat(match.score("a")).isCloseTo(1.0 + 1.0 + 0.8, within(1e-9));
        assertThat(match.blocks("b")).isEqualTo(3);
        assertThat(match.score("b")).isCloseTo(3 * 0.8, within(1e-9));
    }

    @Test
    void tierNamesAreNormalisedAndUnknownTiersWeighOne() {
        KvBlockIndex index = newIndex();
        add(index, "a", "GPU", 1);
        add(index, "a", "", 2);
        add(index, "a", "DISK", 3);
        add(index, "b", "CPU", 1);

        KvPrefixMatch match = lookup(index, 1, 2, 3);

        assertThat(match.blocks("a")).isEqualTo(3);
        assertThat(match.score("a")).isCloseTo(3.0, within(1e-9));
        assertThat(match.score("b")).isCloseTo(0.8, within(1e-9));
    }

    @Test
    void engineKeysMapOneToOne() {
        KvBlockIndex index = newIndex();
        addMapped(index, "a", "gpu", new long[] { 101, 102 }, new long[] { 1, 2 });

        assertThat(index.requestKey(101)).isEqualTo(1);
        assertThat(index.requestKey(102)).isEqualTo(2);
        assertThat(index.requestKey(103)).isEqualTo(KvBlockIndex.NO_KEY);
    }

    @Test
    void severalSmallEngineBlocksMapToOneRequestKey() {
        KvBlockIndex index = newIndex();
        addMapped(index, "a", "gpu", new long[] { 101, 102, 103, 104 }, new long[] { 1, 2 });

        assertThat(index.requestKey(101)).isEqualTo(1);
        assertThat(index.requestKey(102)).isEqualTo(1);
        assertThat(index.requestKey(103)).isEqualTo(2);
        assertThat(index.requestKey(104)).isEqualTo(2);

        index.evict(102, "a", "gpu");

        assertThat(lookup(index, 1, 2).blocks("a")).isZero();
        assertThat(index.blockCount()).isEqualTo(1);
    }

    @Test
    void oneLargeEngineBlockMapsToSeveralRequestKeysAndEvictsThemAll() {
        KvBlockIndex index = newIndex();
        addMapped(index, "a", "gpu", new long[] { 101, 102 }, new long[] { 1, 2, 3, 4, 5, 6 });

        assertThat(index.requestKey(101)).isEqualTo(3);
        assertThat(index.requestKey(102)).isEqualTo(6);

        index.evict(102, "a", "gpu");

        assertThat(lookup(index, 1, 2, 3, 4, 5, 6).blocks("a")).isEqualTo(3);
        assertThat(index.requestKey(102)).isEqualTo(KvBlockIndex.NO_KEY);
        assertThat(index.blockCount()).isEqualTo(3);
    }

    @Test
    void evictRemovesOnlyThatEndpointOnThatTier() {
        KvBlockIndex index = newIndex();
        addMapped(index, "a", "gpu", new long[] { 101 }, new long[] { 1 });
        addMapped(index, "a", "cpu", new long[] { 101 }, new long[] { 1 });
        addMapped(index, "b", "gpu", new long[] { 101 }, new long[] { 1 });

        index.evict(101, "a", "cpu");
        assertThat(lookup(index, 1).score("a")).isCloseTo(1.0, within(1e-9));

        index.evict(101, "a", "gpu");
        assertThat(lookup(index, 1).blocks("a")).isZero();
        assertThat(lookup(index, 1).blocks("b")).isEqualTo(1);
        assertThat(index.requestKey(101)).as("b still holds the block").isEqualTo(1);

        index.evict(101, "b", "gpu");
        assertThat(lookup(index, 1).blocks("b")).isZero();
        assertThat(index.requestKey(101)).as("nobody holds it any more").isEqualTo(KvBlockIndex.NO_KEY);
        assertThat(index.blockCount()).isZero();
        assertThat(index.entryCount()).isZero();
    }

    @Test
    void evictingUnknownKeysEndpointsOrTiersChangesNothing() {
        KvBlockIndex index = newIndex();
        addMapped(index, "a", "gpu", new long[] { 101 }, new long[] { 1 });

        index.evict(999, "a", "gpu");
        index.evict(101, "nobody", "gpu");
        index.evict(101, "a", "cpu");

        assertThat(lookup(index, 1).blocks("a")).isEqualTo(1);
        assertThat(index.requestKey(101)).isEqualTo(1);
    }

    @Test
    void clearDropsEveryEntryOfTheEndpointOnEveryTier() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 1, 2, 3);
        add(index, "a", "cpu", 4);
        add(index, "b", "gpu", 1, 2);

        index.clear("a");

        KvPrefixMatch match = lookup(index, 1, 2, 3, 4);
        assertThat(match.blocks("a")).isZero();
        assertThat(match.blocks("b")).isEqualTo(2);
        assertThat(index.blockCount()).isEqualTo(2);
        assertThat(index.entryCount()).isEqualTo(2);

        add(index, "a", "gpu", 1);
        assertThat(lookup(index, 1).blocks("a")).isEqualTo(1);
    }

    @Test
    void removedEndpointsAreForgottenAndCanComeBack() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 1, 2);
        add(index, "b", "gpu", 1);

        index.removeEndpoint("a");
        index.removeEndpoint("never-seen");

        assertThat(lookup(index, 1, 2).blocks("a")).isZero();
        assertThat(lookup(index, 1, 2).blocks("b")).isEqualTo(1);
        add(index, "c", "gpu", 1, 2);
        add(index, "a", "gpu", 2);
        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("b", 1, "c", 2));
        assertThat(lookup(index, 2).blocksByEndpoint()).isEqualTo(Map.of("a", 1, "c", 1));
    }

    @Test
    void atCapacityTheLeastRecentlyStoredKeyGoesFirst() {
        KvBlockIndex index = newIndex(3);
        add(index, "a", "gpu", 1);
        add(index, "a", "gpu", 2);
        add(index, "b", "gpu", 3);
        add(index, "b", "gpu", 1); // stored again: most recent now

        add(index, "a", "gpu", 4);

        assertThat(index.blockCount()).isEqualTo(3);
        assertThat(lookup(index, 2).blocks("a")).isZero();
        assertThat(lookup(index, 1).blocksByEndpoint()).isEqualTo(Map.of("a", 1, "b", 1));
        assertThat(lookup(index, 3).blocks("b")).isEqualTo(1);
        assertThat(lookup(index, 4).blocks("a")).isEqualTo(1);
        assertThat(index.entryCount()).isEqualTo(4);
    }

    @Test
    void lookupsDoNotChangeRecency() {
        KvBlockIndex index = newIndex(2);
        add(index, "a", "gpu", 1);
        add(index, "a", "gpu", 2);
        lookup(index, 1);

        add(index, "a", "gpu", 3);

        assertThat(lookup(index, 1).blocks("a")).isZero();
        assertThat(lookup(index, 2, 3).blocks("a")).isEqualTo(2);
    }

    @Test
    void keyZeroIsAnOrdinaryKey() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 0, 1);

        assertThat(lookup(index, 0, 1).blocks("a")).isEqualTo(2);
        assertThat(lookup(index, 1).blocks("a")).isEqualTo(1);
        assertThat(index.blockCount()).isEqualTo(2);
    }

    @Test
    void countsAreByKeyAndByKeyEndpointPair() {
        KvBlockIndex index = newIndex();
        add(index, "a", "gpu", 1, 2);
        add(index, "a", "cpu", 2);
        add(index, "b", "gpu", 2, 3);

        assertThat(index.blockCount()).isEqualTo(3);
        assertThat(index.entryCount()).isEqualTo(4);
    }

    @Test
    void manyEndpoints() {
        KvBlockIndex index = newIndex();
        for (int e = 0; e < 200; e++) {
            long[] keys = new long[e % 7];
            for (int k = 0; k < keys.length; k++) {
                keys[k] = 1000 + k;
            }
            add(index, "pod-" + e, e % 2 == 0 ? "gpu" : "cpu", keys);
        }

        KvPrefixMatch match = lookup(index, 1000, 1001, 1002, 1003, 1004, 1005, 1006);

        for (int e = 0; e < 200; e++) {
            assertThat(match.blocks("pod-" + e)).as("pod-%d", e).isEqualTo(e % 7);
            assertThat(match.score("pod-" + e)).isCloseTo((e % 7) * (e % 2 == 0 ? 1.0 : 0.8), within(1e-9));
        }
        index.removeEndpoint("pod-6");
        assertThat(lookup(index, 1000, 1001).blocks("pod-13")).isEqualTo(2);
        assertThat(lookup(index, 1000, 1001).blocks("pod-6")).isZero();
    }

    @Test
    void readersSeeAnAddWholeOrNotAtAll() throws Exception {
        KvBlockIndex index = newIndex();
        long[] chain = new long[64];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = 0x1234_5678L * (i + 1);
        }
        add(index, "steady", "gpu", chain);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            started.countDown();
            while (!stop.get()) {
                KvPrefixMatch m = index.longestPrefix(chain, chain.length);
                int flicker = m.blocks("flicker");
                if (flicker != 0 && flicker != chain.length) {
                    failure.set("saw a partial add: " + flicker);
                }
                if (m.blocks("steady") != chain.length) {
                    failure.set("lost the steady endpoint: " + m.blocks("steady"));
                }
            }
        });
        reader.start();
        started.await();
        for (int round = 0; round < 2_000 && failure.get() == null; round++) {
            add(index, "flicker", round % 2 == 0 ? "gpu" : "cpu", chain);
            index.clear("flicker");
            long[] noise = { 9_000_000L + round };
            add(index, "noise-" + (round % 100), "gpu", noise);
            if (round % 100 == 99) {
                for (int n = 0; n < 100; n++) {
                    index.removeEndpoint("noise-" + n);
                }
            }
        }
        stop.set(true);
        reader.join();
        assertThat(failure.get()).isNull();
    }
}
