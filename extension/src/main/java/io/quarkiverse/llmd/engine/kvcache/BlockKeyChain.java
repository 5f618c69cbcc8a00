package io.quarkiverse.llmd.engine.kvcache;

import java.util.List;

/**
 * The block keys of one prompt, hashed on demand and in order: {@link #key(int)} hashes up to the block it is asked
 * for (and, for xxh64, up to {@value #XXH64_AHEAD} blocks beyond), and remembers every key it computed. An index
 * walking a prompt's prefix asks for the next key only once the previous one was found, so the blocks past the
 * first one no endpoint holds are not hashed, and table lookups (cache misses) overlap the hashing of the blocks
 * after them in the processor instead of all coming after all the hashing.
 * <p>
 * The keys form a chain, so a lookup can only start once its key is hashed. cbor-fnv is a serial multiply per byte
 * that leaves the core mostly idle: block by block, each lookup hides in the next block's hashing. xxh64 hashes a
 * block in a fraction of a lookup's miss, and block by block its lookups lost their overlap with each other (9.9-12.3
 * us against 8.7 for hashing everything first): it hashes a stride ahead, and a stride's lookups go out together
 * (docs/benchmarks.md, "Hashing as the walk goes").
 * <p>
 * Made by {@link BlockKeyHasher#chain} or {@link BlockKeyHasher#chainReusing}; confined to the thread of its hasher
 * (not thread-safe). Once {@link #keys()} has returned, the keys are complete and may be read from any thread the
 * array is handed to.
 */
public final class BlockKeyChain {

    /** Blocks xxh64 hashes past the one asked for: one stride of lookups in flight together. */
    static final int XXH64_AHEAD = 8;

    private final BlockKeyHasher hasher;
    private final long root;
    private final int[] tokens;
    /** Block 0's extra feature (the cache salt), or null. */
    private final List<String> firstExtra;
    private final long[] keys;
    private final int count;
    /** Blocks hashed past the one asked for. */
    private final int ahead;
    private int computed;

    BlockKeyChain(BlockKeyHasher hasher, long root, int[] tokens, List<String> firstExtra, long[] keys, int computed) {
        this(hasher, root, tokens, firstExtra, keys, keys.length, computed);
    }

    private BlockKeyChain(BlockKeyHasher hasher, long root, int[] tokens, List<String> firstExtra, long[] keys,
            int count, int computed) {
        this.hasher = hasher;
        this.root = root;
        this.tokens = tokens;
        this.firstExtra = firstExtra;
        this.keys = keys;
        this.count = count;
        this.ahead = hasher != null && hasher.algorithm() == HashAlgorithm.XXH64 ? XXH64_AHEAD : 0;
        this.computed = computed;
    }

    /**
     * A chain over keys known already, {@code keys[0, count)} (no hashing; the array is used as it is, not copied).
     */
    public static BlockKeyChain of(long[] keys, int count) {
        if (count < 0 || count > keys.length) {
            throw new IllegalArgumentException("count " + count + " outside [0, " + keys.length + "]");
        }
        return new BlockKeyChain(null, 0L, null, null, keys, count, count);
    }

    /** Number of full blocks in the prompt. */
    public int count() {
        return count;
    }

    /** Keys hashed so far: blocks {@code [0, computed())}. */
    public int computed() {
        return computed;
    }

    /**
     * The key of block {@code i}, hashing the blocks before it that are not hashed yet (and, for xxh64, up to
     * {@value #XXH64_AHEAD} after it).
     *
     * @param i in {@code [0, count())}
     */
    public long key(int i) {
        if (i >= computed) {
            hashThrough(Math.min(count, i + 1 + ahead) - 1);
        }
        return keys[i];
    }

    /**
     * Every block's key (hashing the rest) in the first {@link #count()} entries; the array is the chain's own: do
     * not modify it.
     */
    public long[] keys() {
        if (computed < count) {
            hashThrough(count - 1);
        }
        return keys;
    }

    /** The keys computed so far, shared with the chain (read-only); {@link #computed()} of them are set. */
    long[] partialKeys() {
        return keys;
    }

    int[] tokens() {
        return tokens;
    }

    private void hashThrough(int last) {
        int size = hasher.blockSize();
        long prev = computed == 0 ? root : keys[computed - 1];
        for (int b = computed; b <= last; b++) {
            prev = hasher.blockKey(prev, tokens, b * size, size, b == 0 ? firstExtra : null);
            keys[b] = prev;
        }
        computed = last + 1;
    }
}
