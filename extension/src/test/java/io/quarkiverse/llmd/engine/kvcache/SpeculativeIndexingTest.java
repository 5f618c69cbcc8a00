package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Speculative entries of the in-memory index (llm-d's speculativeIndexing), on an explicit clock. */
class SpeculativeIndexingTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long TTL = 2 * SECOND;
    private static final long[] NO_ENGINE = new long[0];

    private final InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(1000));

    private static KvPrefixMatch lookup(KvBlockIndex index, long... keys) {
        return index.longestPrefix(keys, keys.length);
    }

    private static void store(KvBlockIndex index, String endpoint, String tier, long... keys) {
        index.add(NO_ENGINE, 0, keys, keys.length, endpoint, tier);
    }

    @Test
    void aSpeculativeEntryScoresLikeAGpuEntry() {
        store(index, "real", "gpu", 1, 2, 3);
        index.addSpeculative(new long[] { 1, 2, 3 }, 3, "predicted", 10 * SECOND + TTL);

        KvPrefixMatch match = lookup(index, 1, 2, 3, 4);

        assertThat(match.blocksByEndpoint()).isEqualTo(Map.of("real", 3, "predicted", 3));
        assertThat(match.score("predicted")).isCloseTo(match.score("real"), within(1e-9));
        assertThat(index.speculativeCount()).isEqualTo(3);
        assertThat(index.blockCount()).as("predictions are not blocks anyone reported").isEqualTo(3);
        assertThat(index.entryCount()).isEqualTo(3);
    }

    @Test
    void aSpeculativeEntryExtendsARealRunAndAKeyOnlyPredictedStillCounts() {
        store(index, "a", "cpu", 1, 2);
        index.addSpeculative(new long[] { 1, 2, 3, 4 }, 4, "a", TTL);

        KvPrefixMatch match = lookup(index, 1, 2, 3, 4, 5);

        assertThat(match.blocks("a")).isEqualTo(4);
        assertThat(match.score("a")).isCloseTo(0.8 + 0.8 + 1.0 + 1.0, within(1e-9));
        assertThat(index.speculativeCount()).as("a reported key is not predicted again").isEqualTo(2);
    }

    @Test
    void theSpeculativeTierWeightIsConfigurable() {
        InMemoryKvBlockIndex weighted = new InMemoryKvBlockIndex(new InMemoryKvBlockIndex.Config(1000,
                Map.of("gpu", 1.0, "cpu", 0.8, "speculative", 0.5), 16));
        store(weighted, "a", "cpu", 1);
        weighted.addSpeculative(new long[] { 1, 2 }, 2, "a", TTL);

        assertThat(lookup(weighted, 1, 2).score("a")).isCloseTo(0.8 + 0.5, within(1e-9));
    }

    @Test
    void anEntryLapsesAtItsDeadlineAndNotBefore() {
        index.addSpeculative(new long[] { 1, 2 }, 2, "a", 10 * SECOND + TTL);

        index.expireSpeculative(10 * SECOND + TTL - 1);
        assertThat(lookup(index, 1, 2).blocks("a")).isEqualTo(2);

        index.expireSpeculative(10 * SECOND + TTL);
        assertThat(lookup(index, 1, 2).blocks("a")).isZero();
        assertThat(index.speculativeCount()).isZero();
        assertThat(index.speculativeOutcomes()).containsExactly(2, 0);
    }

    @Test
    void aLaterPredictionOfTheSameBlockKeepsItUntilItsOwnDeadline() {
        index.addSpeculative(new long[] { 1, 2 }, 2, "a", TTL);
        index.addSpeculative(new long[] { 1 }, 1, "b", SECOND / 2 + TTL);
        index.addSpeculative(new long[] { 1, 2, 3 }, 3, "a", SECOND + TTL);

        index.expireSpeculative(TTL);
        assertThat(lookup(index, 1, 2, 3).blocksByEndpoint()).isEqualTo(Map.of("a", 3, "b", 1));

        index.expireSpeculative(SECOND / 2 + TTL);
        assertThat(lookup(index, 1, 2, 3).blocksByEndpoint()).isEqualTo(Map.of("a", 3));

        index.expireSpeculative(SECOND + TTL);
        assertThat(lookup(index, 1, 2, 3).blocksByEndpoint()).isEmpty();
    }

    @Test
    void aBlockStoredConfirmsTheEntrySoThatTheDeadlineNoLongerRemovesIt() {
        index.addSpeculative(new long[] { 1, 2, 3 }, 3, "a", TTL);
        index.add(new long[] { 901, 902 }, 2, new long[] { 1, 2 }, 2, "a", "gpu");

        assertThat(index.speculativeCount()).isEqualTo(1);
        assertThat(index.speculativeOutcomes()).containsExactly(0, 2);
        index.expireSpeculative(TTL);

        KvPrefixMatch match = lookup(index, 1, 2, 3);
        assertThat(match.blocks("a")).as("the confirmed blocks stay, the unconfirmed one lapsed").isEqualTo(2);
        // and they are now real: the pod's BlockRemoved takes them away
        index.evict(902, "a", "gpu");
        assertThat(lookup(index, 1, 2, 3).blocks("a")).isEqualTo(1);
    }

    @Test
    void aStoreOnAnotherEndpointDoesNotConfirm() {
        index.addSpeculative(new long[] { 1 }, 1, "a", TTL);
        store(index, "b", "gpu", 1);

        assertThat(index.speculativeCount()).isEqualTo(1);
        index.expireSpeculative(TTL);
        assertThat(lookup(index, 1).blocksByEndpoint()).isEqualTo(Map.of("b", 1));
    }

    @Test
    void removingOrClearingTheEndpointPurgesItsPredictions() {
        index.addSpeculative(new long[] { 1, 2 }, 2, "a", TTL);
        index.addSpeculative(new long[] { 1, 2 }, 2, "b", TTL);
        index.addSpeculative(new long[] { 1 }, 1, "c", TTL);

        index.removeEndpoint("a");
        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("b", 2, "c", 1));
        index.clear("b");
        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("c", 1));
        assertThat(index.speculativeCount()).isEqualTo(1);

        // a new endpoint that reuses a's slot inherits nothing, and a's old deadline removes nothing of it
        index.addSpeculative(new long[] { 1, 2 }, 2, "d", SECOND + TTL);
        index.expireSpeculative(TTL);
        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("d", 2));
    }

    @Test
    void aFlowOfPredictionsStaysBoundedAndLookupsStayCorrectThroughGrowth() {
        long now = 0;
        for (int request = 0; request < 5_000; request++) {
            long[] keys = new long[20];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = request * 1000L + i + 1;
            }
            now += SECOND / 1000;
            index.expireSpeculative(now);
            index.addSpeculative(keys, keys.length, "pod-" + request % 7, now + TTL);
        }
        // 2 s of 1 ms arrivals: the last 2,000 requests' 20 blocks each are alive
        assertThat(index.speculativeCount()).isEqualTo(2_000 * 20);
        assertThat(lookup(index, 4_999_001, 4_999_002).blocksByEndpoint()).isEqualTo(Map.of("pod-1", 2));
        assertThat(lookup(index, 2_000_001).blocksByEndpoint()).as("lapsed").isEmpty();
        index.expireSpeculative(now + TTL);
        assertThat(index.speculativeCount()).isZero();
    }

    @Test
    void predictionsForEndpointsBeyondTheFirst64AreFoundAndPurgedToo() {
        for (int e = 0; e < 130; e++) {
            store(index, "pod-" + e, "gpu", 1_000 + e); // slots 0..129
        }
        index.addSpeculative(new long[] { 1, 2 }, 2, "pod-3", TTL);
        index.addSpeculative(new long[] { 1, 2 }, 2, "pod-70", TTL);
        index.addSpeculative(new long[] { 1 }, 1, "pod-129", TTL);

        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("pod-3", 2, "pod-70", 2, "pod-129", 1));
        index.removeEndpoint("pod-70");
        store(index, "pod-129", "gpu", 1); // confirms pod-129's prediction
        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("pod-3", 2, "pod-129", 1));
        index.expireSpeculative(TTL);
        assertThat(lookup(index, 1, 2).blocksByEndpoint()).isEqualTo(Map.of("pod-129", 1));
        assertThat(index.speculativeCount()).isZero();
    }

    /** Random predictions, confirmations, purges and expiries over 80 endpoints, against a plain model. */
    @Test
    void behavesLikeAPlainModelUnderRandomOperations() {
        for (long seed = 1; seed <= 3; seed++) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(10_000));
            java.util.Set<String> real = new java.util.HashSet<>();
            Map<String, Long> predicted = new java.util.HashMap<>();
            long now = 0;
            for (int step = 0; step < 1_500; step++) {
                String endpoint = "pod-" + random.nextInt(80);
                int op = random.nextInt(100);
                if (op < 50) {
                    long[] keys = new long[1 + random.nextInt(6)];
                    for (int i = 0; i < keys.length; i++) {
                        keys[i] = 1 + random.nextInt(30);
                    }
                    index.addSpeculative(keys, keys.length, endpoint, now + TTL);
                    for (long k : keys) {
                        if (!real.contains(k + "@" + endpoint)) {
                            predicted.put(k + "@" + endpoint, now + TTL);
                        }
                    }
                } else if (op < 70) {
                    long k = 1 + random.nextInt(30);
                    store(index, endpoint, "gpu", k);
                    real.add(k + "@" + endpoint);
                    predicted.remove(k + "@" + endpoint);
                } else if (op < 75) {
                    if (random.nextBoolean()) {
                        index.removeEndpoint(endpoint);
                    } else {
                        index.clear(endpoint);
                    }
                    real.removeIf(e -> e.endsWith("@" + endpoint));
                    predicted.keySet().removeIf(e -> e.endsWith("@" + endpoint));
                } else {
                    now += random.nextLong(SECOND);
                    index.expireSpeculative(now);
                    long t = now;
                    predicted.values().removeIf(deadline -> deadline <= t);
                }
                for (long k = 1; k <= 30; k++) {
                    Map<String, Integer> got = lookup(index, k).blocksByEndpoint();
                    Map<String, Integer> expected = new java.util.TreeMap<>();
                    for (String e : real) {
                        if (e.startsWith(k + "@")) {
                            expected.put(e.substring(e.indexOf('@') + 1), 1);
                        }
                    }
                    for (String e : predicted.keySet()) {
                        if (e.startsWith(k + "@")) {
                            expected.put(e.substring(e.indexOf('@') + 1), 1);
                        }
                    }
                    assertThat(got).as("seed %d step %d key %d", seed, step, k).isEqualTo(expected);
                }
                assertThat(index.speculativeCount()).isEqualTo(predicted.size());
            }
        }
    }

    @Test
    void anIndexWithoutPredictionsAnswersAsBefore() {
        store(index, "a", "gpu", 1, 2);
        index.expireSpeculative(Long.MAX_VALUE);
        assertThat(lookup(index, 1, 2).blocks("a")).isEqualTo(2);
        assertThat(index.speculativeCount()).isZero();
    }
}
