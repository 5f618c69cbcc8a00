package io.quarkiverse.llmd.simulator.kvcache;

import java.util.Arrays;

/**
 * The KV cache of one engine: {@code numBlocks} fixed-size blocks with reference counts and a prefix-cache index
 * (block hash to block). Blocks nobody references sit in a free queue ordered by release time; a free block may
 * still be cached, and it is evicted lazily (least recently released first) only when allocation reuses it, as in
 * vLLM's BlockPool. Evicted hashes are collected for the engine to report as {@code BlockRemoved}.
 *
 * <p>All metadata is in parallel primitive arrays (about 40 bytes per block including the hash index), so a pod
 * with 100,000 blocks costs a few megabytes. Not thread-safe: owned by the engine thread.
 */
public final class KvBlockPool {

    private final int numBlocks;
    private final long[] hashOf;
    private final int[] refCount;
    private final int[] prev;
    private final int[] next;
    private final int head; // sentinel of the free queue: next[head] is the oldest free block
    private final LongIntMap index;
    private int numFree;
    private long[] evicted = new long[16];
    private int numEvicted;

    public KvBlockPool(int numBlocks) {
        this.numBlocks = numBlocks;
        hashOf = new long[numBlocks];
        refCount = new int[numBlocks];
        prev = new int[numBlocks + 1];
        next = new int[numBlocks + 1];
        head = numBlocks;
        index = new LongIntMap(numBlocks);
        resetFreeQueue();
    }

    private void resetFreeQueue() {
        prev[head] = head;
        next[head] = head;
        numFree = 0;
        for (int b = 0; b < numBlocks; b++) {
            appendFree(b);
        }
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int numFree() {
        return numFree;
    }

    /** Blocks referenced by a running request. */
    public int numUsed() {
        return numBlocks - numFree;
    }

    public int numCached() {
        return index.size();
    }

    /** The block caching {@code hash}, or -1. */
    public int lookup(long hash) {
        return index.get(hash);
    }

    /** Takes a reference on a block (from the prefix cache or already owned). */
    public void acquire(int block) {
        if (refCount[block]++ == 0) {
            unlinkFree(block);
        }
    }

    /** Allocates a fresh block, evicting its cached hash if any; -1 when none is free. */
    public int allocate() {
        int b = next[head];
        if (b == head) {
            return -1;
        }
        unlinkFree(b);
        refCount[b] = 1;
        long h = hashOf[b];
        if (h != 0) {
            index.remove(h);
            hashOf[b] = 0;
            if (numEvicted == evicted.length) {
                evicted = Arrays.copyOf(evicted, numEvicted * 2);
            }
            evicted[numEvicted++] = h;
        }
        return b;
    }

    /** Drops a reference; the block joins the free queue (staying cached) when nobody references it. */
    public void release(int block) {
        if (--refCount[block] == 0) {
            appendFree(block);
        } else if (refCount[block] < 0) {
            throw new IllegalStateException("block " + block + " released twice");
        }
    }

    /**
     * Registers a full block under {@code hash}. Returns false (and leaves the block uncached) when another block
     * already caches the same content, which happens when identical prompts are prefilled concurrently.
     */
    public boolean cache(int block, long hash) {
        if (hashOf[block] != 0) {
            return hashOf[block] == hash;
        }
        if (index.get(hash) >= 0) {
            return false;
        }
        hashOf[block] = hash;
        index.put(hash, block);
        return true;
    }

    /** Whether the block is registered in the prefix cache. */
    public boolean isCached(int block) {
        return hashOf[block] != 0;
    }

    /** Hashes evicted since the last {@link #clearEvicted()}. */
    public long[] evicted() {
        return Arrays.copyOf(evicted, numEvicted);
    }

    public int numEvicted() {
        return numEvicted;
    }

    public void clearEvicted() {
        numEvicted = 0;
    }

    /** Forgets every cached hash (vLLM's reset_prefix_cache); referenced blocks stay allocated. */
    public void clearCache() {
        Arrays.fill(hashOf, 0);
        index.clear();
    }

    private void appendFree(int b) {
        int last = prev[head];
        next[last] = b;
        prev[b] = last;
        next[b] = head;
        prev[head] = b;
        numFree++;
    }

    private void unlinkFree(int b) {
        next[prev[b]] = next[b];
        prev[next[b]] = prev[b];
        numFree--;
    }
}
