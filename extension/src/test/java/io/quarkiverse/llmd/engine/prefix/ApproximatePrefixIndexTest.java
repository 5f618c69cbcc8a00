package io.quarkiverse.llmd.engine.prefix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class ApproximatePrefixIndexTest {

    private static long[] hashes(long... values) {
        return values;
    }

    @Test
    void emptyIndexMatchesNothing() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        PrefixMatch match = index.match(hashes(1, 2, 3), 3);
        assertThat(match).isSameAs(PrefixMatch.EMPTY);
        assertThat(match.blocks("a")).isZero();
        assertThat(index.match(new long[0], 0).size()).isZero();
    }

    @Test
    void walkCountsEveryHolderAndStopsAtFirstHashNobodyHolds() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        index.add("a", 100, hashes(1, 2, 3, 4), 4);
        index.add("b", 100, hashes(1, 2), 2);
        index.add("c", 100, hashes(2, 3, 9), 3); // holds 2 and 3 but not 1: still counted (not per-pod contiguous)
        index.add("d", 100, hashes(6), 1); // beyond the first gap: never reached

        PrefixMatch match = index.match(hashes(1, 2, 3, 5, 6), 5);
        assertThat(match.depth()).isEqualTo(3);
        assertThat(match.blocks("a")).isEqualTo(3);
        assertThat(match.blocks("b")).isEqualTo(2);
        assertThat(match.blocks("c")).isEqualTo(2);
        assertThat(match.blocks("d")).isZero();
        assertThat(match.blocks("unknown")).isZero();
        assertThat(match.size()).isEqualTo(3);
        assertThat(match.best()).isEqualTo("a");
        // only the count asked for is walked
        assertThat(index.match(hashes(1, 2, 3), 1).blocks("a")).isEqualTo(1);
        // a first hash nobody holds ends the walk at once
        assertThat(index.match(hashes(42, 1, 2), 3)).isSameAs(PrefixMatch.EMPTY);
    }

    @Test
    void lookupByEqualButDistinctNameInstance() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        index.add("default/pod-a", 10, hashes(7, 8), 2);
        String copy = new String("default/pod-a".toCharArray());
        assertThat(index.match(hashes(7, 8), 2).blocks(copy)).isEqualTo(2);
    }

    @Test
    void zeroHashIsStoredAsAnyOther() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        index.add("a", 10, hashes(0L, 5L), 2);
        assertThat(index.match(hashes(0L, 5L), 2).blocks("a")).isEqualTo(2);
        assertThat(index.holds("a", 0L)).isTrue();
        index.checkInvariants();
    }

    @Test
    void lruEvictionIsBoundedByCapacityAndKeepsPromptHeads() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        index.add("a", 4, hashes(1, 2, 3), 3);
        index.add("a", 4, hashes(10, 11, 12), 3); // 6 > 4: the tail of the older prompt goes first
        assertThat(index.blocksPerEndpoint()).containsEntry("a", 4);
        assertThat(index.holds("a", 1)).isTrue();
        assertThat(index.holds("a", 2)).isFalse();
        assertThat(index.holds("a", 3)).isFalse();
        assertThat(index.match(hashes(1, 2, 3), 3).blocks("a")).isEqualTo(1);
        assertThat(index.match(hashes(10, 11, 12), 3).blocks("a")).isEqualTo(3);
        assertThat(index.size()).isEqualTo(4);
        index.checkInvariants();

        // a prompt longer than the capacity keeps its first blocks
        index.add("b", 2, hashes(20, 21, 22, 23), 4);
        assertThat(index.match(hashes(20, 21, 22, 23), 4).blocks("b")).isEqualTo(2);
        index.checkInvariants();
    }

    @Test
    void touchingRefreshesRecencyAndEvictionRemovesOnlyThatPod() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        index.add("a", 3, hashes(1), 1);
        index.add("a", 3, hashes(2), 1);
        index.add("a", 3, hashes(3), 1);
        index.add("b", 3, hashes(1), 1);
        index.add("a", 3, hashes(1), 1); // 1 is now most recent on a; 2 is oldest
        index.add("a", 3, hashes(4), 1);
        assertThat(index.holds("a", 2)).isFalse();
        assertThat(index.holds("a", 1)).isTrue();
        assertThat(index.holds("b", 1)).isTrue();
        index.add("a", 3, hashes(5, 6, 7), 3); // evicts 1 from a, b keeps it
        assertThat(index.holds("a", 1)).isFalse();
        assertThat(index.match(hashes(1), 1).blocks("b")).isEqualTo(1);
        index.checkInvariants();
    }

    @Test
    void shrinkingCapacityEvictsAtOnce() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        long[] many = new long[100];
        for (int i = 0; i < many.length; i++) {
            many[i] = 1000 + i;
        }
        index.add("a", 100, many, 100);
        index.add("a", 10, many, 0);
        assertThat(index.blocksPerEndpoint()).containsEntry("a", 10);
        assertThat(index.match(many, 100).blocks("a")).isEqualTo(10);
        index.checkInvariants();
    }

    @Test
    void retainEndpointsPurgesEverythingOfDepartedPods() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        index.add("a", 100, hashes(1, 2), 2);
        index.add("b", 100, hashes(1, 3), 2);
        index.add("c", 100, hashes(4), 1);
        index.retainEndpoints(Set.of("a", "x"));
        assertThat(index.endpoints()).containsExactly("a");
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.match(hashes(1, 2), 2).blocks("a")).isEqualTo(2);
        assertThat(index.match(hashes(1, 3), 2).blocks("b")).isZero();
        assertThat(index.match(hashes(4), 1)).isSameAs(PrefixMatch.EMPTY);
        index.checkInvariants();
        // slots are reused
        index.add("d", 100, hashes(4), 1);
        assertThat(index.match(hashes(4), 1).blocks("d")).isEqualTo(1);
        index.removeEndpoint("a");
        assertThat(index.endpoints()).containsExactly("d");
        index.checkInvariants();
    }

    @Test
    void endpointCountIsBoundedDroppingTheLeastRecentlyUpdated() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex(3);
        index.add("a", 10, hashes(1), 1);
        index.add("b", 10, hashes(2), 1);
        index.add("c", 10, hashes(3), 1);
        index.add("a", 10, hashes(1), 1);
        index.add("d", 10, hashes(4), 1);
        assertThat(index.endpoints()).containsExactlyInAnyOrder("a", "c", "d");
        assertThat(index.match(hashes(2), 1)).isSameAs(PrefixMatch.EMPTY);
        index.checkInvariants();
    }

    @Test
    void moreThanSixtyFourEndpointsWidenThePodSets() {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        long[] shared = hashes(100, 101, 102);
        for (int p = 0; p < 150; p++) {
            index.add("pod-" + p, 50, shared, p % 3 + 1);
            index.add("pod-" + p, 50, hashes(10_000 + p), 1);
        }
        index.checkInvariants();
        PrefixMatch match = index.match(shared, 3);
        assertThat(match.size()).isEqualTo(150);
        for (int p = 0; p < 150; p++) {
            assertThat(match.blocks("pod-" + p)).as("pod-%d", p).isEqualTo(p % 3 + 1);
        }
        Set<String> keep = new HashSet<>();
        for (int p = 0; p < 150; p += 2) {
            keep.add("pod-" + p);
        }
        index.retainEndpoints(keep);
        index.checkInvariants();
        assertThat(index.match(shared, 3).size()).isEqualTo(75);
        assertThat(index.match(hashes(10_001), 1)).isSameAs(PrefixMatch.EMPTY);
    }

    /** Random operations against an obviously correct model built from LinkedHashMaps. */
    @Test
    void randomOperationsAgreeWithASimpleModel() {
        SplittableRandom random = new SplittableRandom(3);
        ApproximatePrefixIndex index = new ApproximatePrefixIndex(8);
        Map<String, LinkedHashMap<Long, Boolean>> model = new HashMap<>();
        Map<String, Long> lastUpdate = new HashMap<>();
        long clock = 0;
        for (int step = 0; step < 4000; step++) {
            int op = random.nextInt(20);
            if (op == 0) {
                Set<String> keep = new HashSet<>();
                for (String pod : model.keySet()) {
                    if (random.nextBoolean()) {
                        keep.add(pod);
                    }
                }
                index.retainEndpoints(keep);
                model.keySet().retainAll(keep);
                lastUpdate.keySet().retainAll(keep);
            } else {
                String pod = "pod-" + random.nextInt(10);
                int capacity = 5 + random.nextInt(60);
                int count = random.nextInt(12);
                long[] hs = new long[count];
                long base = random.nextInt(40);
                for (int i = 0; i < count; i++) {
                    hs[i] = random.nextInt(4) == 0 ? random.nextInt(200) : base + i; // overlapping runs
                }
                index.add(pod, capacity, hs, count);
                if (!model.containsKey(pod) && model.size() >= 8) {
                    String oldest = null;
                    for (String p : model.keySet()) {
                        if (oldest == null || lastUpdate.get(p) < lastUpdate.get(oldest)) {
                            oldest = p;
                        }
                    }
                    model.remove(oldest);
                    lastUpdate.remove(oldest);
                }
                LinkedHashMap<Long, Boolean> lru = model.computeIfAbsent(pod, k -> new LinkedHashMap<>(16, 0.75f,
                        true));
                lastUpdate.put(pod, ++clock);
                shrink(lru, capacity);
                for (int i = count - 1; i >= 0; i--) {
                    long key = ApproximatePrefixIndex.key(hs[i]);
                    if (lru.containsKey(key)) {
                        lru.get(key);
                    } else {
                        lru.put(key, Boolean.TRUE);
                        shrink(lru, capacity);
                    }
                }
            }
            if (step % 50 == 0) {
                index.checkInvariants();
            }
            long[] query = new long[10];
            long base = random.nextInt(40);
            for (int i = 0; i < query.length; i++) {
                query[i] = base + i;
            }
            PrefixMatch actual = index.match(query, query.length);
            Map<String, Integer> expected = new HashMap<>();
            for (long h : query) {
                boolean any = false;
                for (Map.Entry<String, LinkedHashMap<Long, Boolean>> e : model.entrySet()) {
                    if (e.getValue().containsKey(ApproximatePrefixIndex.key(h))) {
                        expected.merge(e.getKey(), 1, Integer::sum);
                        any = true;
                    }
                }
                if (!any) {
                    break;
                }
            }
            for (int p = 0; p < 10; p++) {
                assertThat(actual.blocks("pod-" + p)).as("step %d pod-%d", step, p)
                        .isEqualTo(expected.getOrDefault("pod-" + p, 0));
            }
            assertThat(actual.size()).isEqualTo(expected.size());
        }
        Map<String, Integer> sizes = new HashMap<>();
        model.forEach((pod, lru) -> sizes.put(pod, lru.size()));
        assertThat(index.blocksPerEndpoint()).isEqualTo(sizes);
    }

    private static void shrink(LinkedHashMap<Long, Boolean> lru, int capacity) {
        while (lru.size() > capacity) {
            Long eldest = lru.keySet().iterator().next();
            lru.remove(eldest);
        }
    }

    @Test
    void podBlocksGrowsAndKeepsRecencyOrder() {
        ApproximatePrefixIndex.PodBlocks pod = new ApproximatePrefixIndex.PodBlocks();
        pod.capacity = 10_000;
        for (long k = 1; k <= 1000; k++) {
            assertThat(pod.touch(k)).isTrue();
        }
        assertThat(pod.touch(500)).isFalse();
        long[] order = pod.recency();
        assertThat(order[0]).isEqualTo(500);
        assertThat(order[1]).isEqualTo(1000);
        assertThat(order[999]).isEqualTo(1);
        assertThat(pod.evictOldest()).isEqualTo(1);
        assertThat(pod.evictOldest()).isEqualTo(2);
        pod.check();
    }

    @Test
    void concurrentMatchingAndUpdatingStaysConsistent() throws Exception {
        ApproximatePrefixIndex index = new ApproximatePrefixIndex();
        int threads = 4;
        // Each "prompt" p is a chain of 40 hashes; pods own disjoint prompt families, so a match of prompt p must
        // report only pods of p's family, each with a count between 1 and 40.
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(id);
                try {
                    start.await();
                    for (int i = 0; i < 3000; i++) {
                        int family = random.nextInt(4);
                        int prompt = family * 1000 + random.nextInt(20);
                        long[] chain = new long[40];
                        for (int b = 0; b < chain.length; b++) {
                            chain[b] = prompt * 100L + b + 1;
                        }
                        PrefixMatch match = index.match(chain, chain.length);
                        for (int pod = 0; pod < 16; pod++) {
                            int blocks = match.blocks("pod-" + pod);
                            if (pod % 4 != family && blocks != 0 || blocks < 0 || blocks > 40) {
                                throw new AssertionError("pod-" + pod + " got " + blocks + " for family " + family);
                            }
                        }
                        if (match.depth() > 40 || match.size() > 4) {
                            throw new AssertionError("bad match " + match);
                        }
                        int pod = family + 4 * random.nextInt(4);
                        index.add("pod-" + pod, 200 + random.nextInt(200), chain, chain.length);
                        if (i % 500 == 0 && id == 0) {
                            index.retainEndpoints(Set.of("pod-0", "pod-1", "pod-2", "pod-3", "pod-4", "pod-5",
                                    "pod-6", "pod-7", "pod-8", "pod-9", "pod-10", "pod-11"));
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(60_000);
        }
        assertThat(failure.get()).isNull();
        index.checkInvariants();
        // After the dust settles, the last writer of a prompt is matched fully.
        long[] chain = new long[40];
        for (int b = 0; b < chain.length; b++) {
            chain[b] = 5 * 100L + b + 1;
        }
        index.add("pod-0", 400, chain, chain.length);
        assertThat(index.match(chain, chain.length).blocks("pod-0")).isEqualTo(40);
    }
}
