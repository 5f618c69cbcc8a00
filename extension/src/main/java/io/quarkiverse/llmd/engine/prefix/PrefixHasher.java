package io.quarkiverse.llmd.engine.prefix;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * Cuts a request's prefix input into blocks and computes llm-d's approximate-prefix block-hash chain (reference
 * scheduler-epp.md 3.5):
 * <ul>
 * <li>a block is {@code blockSizeTokens × 4} bytes of {@link InferenceRequest#prefixInput()} (four characters per
 * token, llm-d's fixed estimate);</li>
 * <li>an input shorter than one block yields no hashes; a longer one is truncated to {@code maxBlocks} blocks;</li>
 * <li>{@code h0 = xxHash64(targetModel bytes ‖ cache_salt bytes)} (seed 0, UTF-8, salt omitted when null or
 * empty);</li>
 * <li>{@code h_i = xxHash64(block_i ‖ le64(h_{i-1}))}; a trailing partial block is hashed the same way.</li>
 * </ul>
 * Thread-safe. Hashing allocates nothing per block: the block and the previous hash are hashed as two segments
 * through {@link XxHash64#hashWithLongSuffix}. Seeds of salt-less requests are cached per model.
 */
public final class PrefixHasher {

    /** llm-d's fixed estimate of characters per token. */
    public static final int CHARS_PER_TOKEN = 4;
    /** Default cap on the number of blocks hashed per request. */
    public static final int DEFAULT_MAX_BLOCKS = 256;
    /** A {@code maxBlocks} value meaning "no cap". */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private static final int SEED_CACHE_LIMIT = 1024;

    private final ConcurrentHashMap<String, Long> seedByModel = new ConcurrentHashMap<>();

    /** {@code xxHash64(targetModel ‖ cacheSalt)}: the first link of every chain of this model and salt. */
    public static long seed(String targetModel, String cacheSalt) {
        byte[] model = targetModel == null ? new byte[0] : targetModel.getBytes(StandardCharsets.UTF_8);
        if (cacheSalt == null || cacheSalt.isEmpty()) {
            return XxHash64.hash(model);
        }
        byte[] salt = cacheSalt.getBytes(StandardCharsets.UTF_8);
        byte[] both = new byte[model.length + salt.length];
        System.arraycopy(model, 0, both, 0, model.length);
        System.arraycopy(salt, 0, both, model.length, salt.length);
        return XxHash64.hash(both);
    }

    /** The seed of a request, cached for requests without salt. */
    public long seed(InferenceRequest request) {
        String salt = request.cacheSalt();
        String model = request.targetModel();
        if (salt != null && !salt.isEmpty() || model == null) {
            return seed(model, salt);
        }
        Long cached = seedByModel.get(model);
        if (cached != null) {
            return cached;
        }
        long seed = seed(model, null);
        if (seedByModel.size() >= SEED_CACHE_LIMIT) {
            seedByModel.clear();
        }
        seedByModel.put(model, seed);
        return seed;
    }

    /**
     * How many hashes an input of {@code inputLength} bytes produces.
     *
     * @param blockSizeChars bytes per block, {@code > 0}
     * @param maxBlocks cap on the number of blocks ({@link #UNLIMITED} for none; 0 hashes nothing)
     */
    public static int blockCount(int inputLength, int blockSizeChars, int maxBlocks) {
        if (blockSizeChars <= 0) {
            throw new IllegalArgumentException("block size must be > 0, got " + blockSizeChars);
        }
        if (inputLength < blockSizeChars || maxBlocks <= 0) {
            return 0;
        }
        int blocks = (int) (((long) inputLength + blockSizeChars - 1) / blockSizeChars);
        return Math.min(blocks, maxBlocks);
    }

    /**
     * Computes the chain of {@code input} into {@code out}.
     *
     * @param seed {@link #seed(String, String)} of the request
     * @param blockSizeTokens tokens per block ({@code × 4} bytes)
     * @param maxBlocks cap on the number of blocks
     * @param out receives the hashes; must hold {@link #blockCount} entries
     * @return the number of hashes written
     */
    public static int hashChain(byte[] input, long seed, int blockSizeTokens, int maxBlocks, long[] out) {
        int blockChars = blockSizeChars(blockSizeTokens);
        int n = blockCount(input.length, blockChars, maxBlocks);
        if (n == 0) {
            return 0;
        }
        if (out.length < n) {
            throw new IllegalArgumentException("output holds " + out.length + " hashes, " + n + " needed");
        }
        long limit = Math.min((long) input.length, (long) n * blockChars);
        byte[] scratch = new byte[XxHash64.SUFFIX_SCRATCH_BYTES];
        long previous = seed;
        int start = 0;
        for (int i = 0; i < n; i++) {
            int length = (int) Math.min(blockChars, limit - start);
            previous = XxHash64.hashWithLongSuffix(input, start, length, previous, 0L, scratch);
            out[i] = previous;
            start += blockChars;
        }
        return n;
    }

    /** The chain of a request's prefix input, in a new array of exactly the right size (empty when too short). */
    public long[] hashChain(InferenceRequest request, int blockSizeTokens, int maxBlocks) {
        byte[] input = request.prefixInput();
        int n = blockCount(input.length, blockSizeChars(blockSizeTokens), maxBlocks);
        long[] out = new long[n];
        if (n > 0) {
            hashChain(input, seed(request), blockSizeTokens, maxBlocks, out);
        }
        return out;
    }

    /**
     * A lazy cursor over a request's chain: each {@link Chain#next()} hashes one more block, so a matching walk that
     * stops early also stops hashing. Allocates one small object per request, nothing per block.
     */
    public Chain chain(InferenceRequest request, int blockSizeTokens, int maxBlocks) {
        byte[] input = request.prefixInput();
        int blockChars = blockSizeChars(blockSizeTokens);
        int n = blockCount(input.length, blockChars, maxBlocks);
        return new Chain(input, n == 0 ? 0L : seed(request), blockChars, n, null);
    }

    /** The chain of an input with a known seed, as a lazy cursor. */
    public static Chain chain(byte[] input, long seed, int blockSizeTokens, int maxBlocks) {
        int blockChars = blockSizeChars(blockSizeTokens);
        return new Chain(input, seed, blockChars, blockCount(input.length, blockChars, maxBlocks), null);
    }

    /** A cursor over already computed hashes {@code hashes[0, count)}. */
    public static Chain of(long[] hashes, int count) {
        if (count < 0 || count > hashes.length) {
            throw new IllegalArgumentException("count " + count + " outside [0, " + hashes.length + "]");
        }
        return new Chain(null, 0L, 1, count, hashes);
    }

    /** A block-hash chain computed block by block on demand. Not thread-safe; one per request. */
    public static final class Chain {

        private final byte[] input;
        private final long seed;
        private final int blockChars;
        private final int count;
        private final long[] precomputed;
        private final long limit;
        private byte[] scratch;
        private long previous;
        private int position;

        private Chain(byte[] input, long seed, int blockChars, int count, long[] precomputed) {
            this.input = input;
            this.seed = seed;
            this.blockChars = blockChars;
            this.count = count;
            this.precomputed = precomputed;
            this.limit = input == null ? 0 : Math.min((long) input.length, (long) count * blockChars);
            this.previous = seed;
        }

        /** Number of blocks (hashes) in the chain. */
        public int count() {
            return count;
        }

        /** Index of the hash {@link #next()} returns. */
        public int position() {
            return position;
        }

        public boolean hasNext() {
            return position < count;
        }

        /** The next hash of the chain. */
        public long next() {
            if (position >= count) {
                throw new java.util.NoSuchElementException("chain has " + count + " blocks");
            }
            if (precomputed != null) {
                return precomputed[position++];
            }
            if (scratch == null) {
                scratch = new byte[XxHash64.SUFFIX_SCRATCH_BYTES];
            }
            int start = position * blockChars;
            int length = (int) Math.min(blockChars, limit - start);
            previous = XxHash64.hashWithLongSuffix(input, start, length, previous, 0L, scratch);
            position++;
            return previous;
        }

        /** Starts over from the first block. */
        public void reset() {
            position = 0;
            previous = seed;
        }

        /** Every hash of the chain in a new array (from the start, whatever the position). */
        public long[] toArray() {
            reset();
            long[] out = new long[count];
            for (int i = 0; i < count; i++) {
                out[i] = next();
            }
            return out;
        }
    }

    static int blockSizeChars(int blockSizeTokens) {
        if (blockSizeTokens <= 0) {
            throw new IllegalArgumentException("blockSizeTokens must be > 0, got " + blockSizeTokens);
        }
        long chars = (long) blockSizeTokens * CHARS_PER_TOKEN;
        return (int) Math.min(chars, Integer.MAX_VALUE);
    }
}
