package io.quarkiverse.llmd.simulator.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class KvBlockPoolTest {

    @Test
    void evictsTheLeastRecentlyReleasedCachedBlock() {
        KvBlockPool pool = new KvBlockPool(3);
        int a = pool.allocate();
        int b = pool.allocate();
        int c = pool.allocate();
        pool.cache(a, 11);
        pool.cache(b, 22);
        pool.cache(c, 33);
        pool.release(b); // oldest
        pool.release(a);
        pool.release(c);
        pool.acquire(pool.lookup(22)); // a hit takes b out of the free queue
        pool.release(b); // and b is now the most recent
        assertThat(pool.allocate()).isEqualTo(a);
        assertThat(pool.evicted()).containsExactly(11);
        assertThat(pool.lookup(11)).isEqualTo(-1);
        assertThat(pool.allocate()).isEqualTo(c);
        assertThat(pool.allocate()).isEqualTo(b);
        assertThat(pool.allocate()).isEqualTo(-1);
        assertThat(pool.evicted()).containsExactly(11, 33, 22);
    }

    @Test
    void duplicateContentIsNotCachedTwice() {
        KvBlockPool pool = new KvBlockPool(2);
        int a = pool.allocate();
        int b = pool.allocate();
        assertThat(pool.cache(a, 5)).isTrue();
        assertThat(pool.cache(b, 5)).isFalse();
        assertThat(pool.isCached(b)).isFalse();
        assertThat(pool.lookup(5)).isEqualTo(a);
    }

    @Test
    void longIntMapMatchesAHashMapUnderRandomOperations() {
        LongIntMap map = new LongIntMap(1000);
        Map<Long, Integer> ref = new HashMap<>();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 200_000; i++) {
            long k = 1 + rnd.nextInt(1500); // small key space: many collisions and removals
            if (rnd.nextBoolean() && ref.size() < 1000) {
                map.put(k, i);
                ref.put(k, i);
            } else {
                map.remove(k);
                ref.remove(k);
            }
            if (i % 1000 == 0) {
                for (long q = 1; q <= 1500; q++) {
                    assertThat(map.get(q)).isEqualTo(ref.getOrDefault(q, -1));
                }
            }
        }
        assertThat(map.size()).isEqualTo(ref.size());
    }

    @Test
    void blockHashesChainAndDifferByExtraAndModel() {
        BlockHasher h = new BlockHasher("m");
        int[] t = new int[32];
        for (int i = 0; i < 32; i++) {
            t[i] = i;
        }
        long root = h.root(0, null);
        long b0 = BlockHasher.hashBlock(root, 0, t, 0, 16);
        long b1 = BlockHasher.hashBlock(b0, 0, t, 16, 16);
        assertThat(b0).isNotEqualTo(b1).isNotZero();
        assertThat(BlockHasher.hashBlock(root, 0, t, 0, 16)).isEqualTo(b0);
        assertThat(new BlockHasher("other").root(0, null)).isNotEqualTo(root);
        assertThat(h.root(0, "salt")).isNotEqualTo(root);
        assertThat(BlockHasher.hashBlock(root, BlockHasher.extraKey("lora"), t, 0, 16)).isNotEqualTo(b0);
        t[3]++;
        assertThat(BlockHasher.hashBlock(root, 0, t, 0, 16)).isNotEqualTo(b0);
    }
}
