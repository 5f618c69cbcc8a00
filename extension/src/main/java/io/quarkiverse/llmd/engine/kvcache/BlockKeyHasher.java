package io.quarkiverse.llmd.engine.kvcache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.engine.prefix.XxHash64;

/**
 * llm-d's request block keys (reference kvcache-and-sim.md A2.2): a chain of 64-bit keys over full blocks of
 * {@code blockSize} tokens (a trailing partial block has no key), each key a hash of its parent key, the block's
 * tokens and the block's extra features.
 * <ul>
 * <li>{@code init = F(hashSeed)}, {@code root(model) = H(init, nil, model)}, {@code key_0 = H(root, chunk_0,
 * extra_0)}, {@code key_i = H(key_{i-1}, chunk_i, extra_i)}.</li>
 * <li>{@link HashAlgorithm#CBOR_FNV}: {@code F} is FNV-64a over the seed's UTF-8 bytes; {@code H} is FNV-64a over
 * the canonical (shortest-form) CBOR of the array {@code [parent (uint), tokens (array of uint) or null, extra]},
 * where extra is the model name as a text string for the root, null for a block without features, and otherwise
 * an array of one-entry maps {@code {"Hash": feature}}. The CBOR bytes are fed to FNV as they are produced, never
 * materialised.</li>
 * <li>{@link HashAlgorithm#XXH64}: {@code F} is XXH64 (seed 0) of the seed's bytes; {@code H} is XXH64 (seed 0)
 * over the parent as 8 little-endian bytes, each token as 4 little-endian bytes, and each extra string as its
 * byte length (8 bytes, little-endian) followed by its bytes; the root's one extra string is the model name.</li>
 * </ul>
 * Extra features per block are multimodal hashes and, on block 0, the request's {@code cache_salt}; an empty list
 * counts as none. Not thread-safe (it keeps a scratch buffer and a root cache): use one per thread.
 */
public final class BlockKeyHasher {

    static final long FNV_OFFSET = 0xcbf29ce484222325L;
    static final long FNV_PRIME = 0x100000001b3L;

    private static final byte[] HASH_FIELD = "Hash".getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final HashAlgorithm algorithm;
    private final int blockSize;
    private final long initHash;
    private final Map<String, Long> roots = new HashMap<>();
    private byte[] scratch = new byte[256];

    /**
     * @param algorithm the key function
     * @param blockSize tokens per block, &gt; 0
     * @param hashSeed the seed string (llm-d's {@code hashSeed}, default "")
     */
    public BlockKeyHasher(HashAlgorithm algorithm, int blockSize, String hashSeed) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
        }
        this.algorithm = algorithm;
        this.blockSize = blockSize;
        byte[] seed = (hashSeed == null ? "" : hashSeed).getBytes(StandardCharsets.UTF_8);
        this.initHash = algorithm == HashAlgorithm.CBOR_FNV ? fnv(FNV_OFFSET, seed, 0, seed.length)
                : XxHash64.hash(seed, 0, seed.length, 0L);
    }

    public HashAlgorithm algorithm() {
        return algorithm;
    }

    public int blockSize() {
        return blockSize;
    }

    /** The key the seed gives before any model: {@code F(hashSeed)}. */
    public long initHash() {
        return initHash;
    }

    /** The chain root of a model (or LoRA name); cached per name. */
    public long rootKey(String model) {
        Long cached = roots.get(model);
        if (cached != null) {
            return cached;
        }
        byte[] name = model.getBytes(StandardCharsets.UTF_8);
        long root;
        if (algorithm == HashAlgorithm.CBOR_FNV) {
            long h = fnvByte(FNV_OFFSET, 0x83);
            h = cborHead(h, 0, initHash);
            h = fnvByte(h, 0xF6);
            h = cborHead(h, 3, name.length);
            root = fnv(h, name, 0, name.length);
        } else {
            int n = 8 + 8 + name.length;
            byte[] b = scratch(n);
            putLongLe(b, 0, initHash);
            putLongLe(b, 8, name.length);
            System.arraycopy(name, 0, b, 16, name.length);
            root = XxHash64.hash(b, 0, n, 0L);
        }
        if (roots.size() < 1024) {
            roots.put(model, root);
        }
        return root;
    }

    /**
     * The key of one block: {@code H(parent, tokens[offset, offset + length), extra)}.
     *
     * @param extra the block's extra features, or null / empty for none
     */
    public long blockKey(long parent, int[] tokens, int offset, int length, List<String> extra) {
        boolean hasExtra = extra != null && !extra.isEmpty();
        if (algorithm == HashAlgorithm.CBOR_FNV) {
            long h = fnvParent(parent);
            h = cborHead(h, 4, length);
            h = fnvTokens(h, tokens, offset, offset + length);
            if (!hasExtra) {
                return fnvByte(h, 0xF6);
            }
            h = cborHead(h, 4, extra.size());
            for (String feature : extra) {
                byte[] text = feature.getBytes(StandardCharsets.UTF_8);
                h = fnvByte(h, 0xA1);
                h = cborHead(h, 3, HASH_FIELD.length);
                h = fnv(h, HASH_FIELD, 0, HASH_FIELD.length);
                h = cborHead(h, 3, text.length);
                h = fnv(h, text, 0, text.length);
            }
            return h;
        }
        if (!hasExtra) {
            return XxHash64.hashLongAndInts(parent, tokens, offset, length);
        }
        int n = 8 + 4 * length;
        byte[][] texts = null;
        if (hasExtra) {
            texts = new byte[extra.size()][];
            for (int i = 0; i < texts.length; i++) {
                texts[i] = extra.get(i).getBytes(StandardCharsets.UTF_8);
                n += 8 + texts[i].length;
            }
        }
        byte[] b = scratch(n);
        putLongLe(b, 0, parent);
        int p = 8;
        for (int i = offset, end = offset + length; i < end; i++) {
            INT_LE.set(b, p, tokens[i]);
            p += 4;
        }
        if (texts != null) {
            for (byte[] text : texts) {
                putLongLe(b, p, text.length);
                System.arraycopy(text, 0, b, p + 8, text.length);
                p += 8 + text.length;
            }
        }
        return XxHash64.hash(b, 0, n, 0L);
    }

    /** Number of full blocks in {@code tokenCount} tokens. */
    public int blockCount(int tokenCount) {
        return tokenCount / blockSize;
    }

    /**
     * Keys of the full blocks of {@code tokens[0, tokenCount)} continuing the chain after {@code parent}.
     *
     * @param extras per block, its extra features (null, or a list shorter than the block count, means none)
     * @param out receives the keys; must hold {@link #blockCount(int)} of them
     * @return the number of keys written
     */
    public int chainKeys(long parent, int[] tokens, int tokenCount, List<List<String>> extras, long[] out) {
        int blocks = blockCount(tokenCount);
        long prev = parent;
        for (int i = 0; i < blocks; i++) {
            List<String> extra = extras != null && i < extras.size() ? extras.get(i) : null;
            prev = blockKey(prev, tokens, i * blockSize, blockSize, extra);
            out[i] = prev;
        }
        return blocks;
    }

    /**
     * The read path: keys of a prompt's full blocks for {@code model}, with the request's {@code cache_salt} (null
     * for none) as block 0's extra feature.
     */
    public long[] requestKeys(String model, int[] tokens, int tokenCount, String cacheSalt) {
        long[] out = new long[blockCount(tokenCount)];
        List<List<String>> extras = cacheSalt == null || cacheSalt.isEmpty() ? null : List.of(List.of(cacheSalt));
        chainKeys(rootKey(model), tokens, tokenCount, extras, out);
        return out;
    }

    /**
     * The read path, hashed on demand: the chain of a prompt's full blocks for {@code model}, with the request's
     * {@code cache_salt} (null for none) as block 0's extra feature; {@link BlockKeyChain#key} hashes as far as it
     * is asked.
     */
    public BlockKeyChain chain(String model, int[] tokens, int tokenCount, String cacheSalt) {
        String salt = cacheSalt == null || cacheSalt.isEmpty() ? null : cacheSalt;
        return new BlockKeyChain(this, rootKey(model), tokens, salt == null ? null : List.of(salt),
                new long[blockCount(tokenCount)], 0);
    }

    /**
     * {@link #chain} that reuses the keys of a recent prompt sharing a prefix with this one (same model and salt):
     * only the blocks after the shared full blocks are left to hash. Prompts that share a long system prompt, or
     * the turns of a conversation, then cost a vectorised token comparison instead of a hash per block. The chains
     * of the last {@value #RECENT_CHAINS} prompts of up to {@value #MAX_CACHED_TOKENS} tokens are remembered, with
     * as many keys as were hashed (by reference: callers must not modify {@code tokens}).
     */
    public BlockKeyChain chainReusing(String model, int[] tokens, int tokenCount, String cacheSalt) {
        int blocks = blockCount(tokenCount);
        String salt = cacheSalt == null || cacheSalt.isEmpty() ? null : cacheSalt;
        List<String> firstExtra = salt == null ? null : List.of(salt);
        long[] keys = new long[blocks];
        if (blocks == 0) {
            return new BlockKeyChain(this, 0L, tokens, firstExtra, keys, 0);
        }
        int best = -1;
        int reuse = 0;
        for (int i = 0; i < RECENT_CHAINS; i++) {
            Recent r = recent[i];
            if (r == null || !r.model.equals(model) || !java.util.Objects.equals(r.salt, salt)) {
                continue;
            }
            int limit = Math.min(r.chain.computed(), blocks) * blockSize;
            int mismatch = java.util.Arrays.mismatch(r.chain.tokens(), 0, limit, tokens, 0, limit);
            int common = (mismatch < 0 ? limit : mismatch) / blockSize;
            if (common > reuse) {
                reuse = common;
                best = i;
            }
        }
        if (reuse > 0) {
            System.arraycopy(recent[best].chain.partialKeys(), 0, keys, 0, reuse);
        }
        BlockKeyChain chain = new BlockKeyChain(this, rootKey(model), tokens, firstExtra, keys, reuse);
        if (tokenCount <= MAX_CACHED_TOKENS && reuse < blocks) {
            int slot = best >= 0 ? best : nextRecent++ % RECENT_CHAINS;
            recent[slot] = new Recent(model, salt, chain);
        }
        return chain;
    }

    /** Prompts remembered by {@link #chainReusing}. */
    public static final int RECENT_CHAINS = 8;
    /** Longest prompt {@link #chainReusing} remembers. */
    public static final int MAX_CACHED_TOKENS = 32_768;

    private record Recent(String model, String salt, BlockKeyChain chain) {
    }

    private final Recent[] recent = new Recent[RECENT_CHAINS];
    private int nextRecent;

    private byte[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        return scratch;
    }

    // ------------------------------------------------------------------------------------- FNV over CBOR

    /** FNV-64a state after {@code 0x83} (a three-element array) and {@code 0x1b} (an 8-byte uint follows). */
    private static final long FNV_ARRAY3_UINT64 = fnvByte(fnvByte(FNV_OFFSET, 0x83), 0x1B);

    /**
     * FNV-64a over the CBOR of {@code 0x83, parent}: for a parent of 2^32 or more (every key but about one in four
     * billion) the two head bytes are a constant, whose FNV state is precomputed.
     */
    static long fnvParent(long parent) {
        if (Long.compareUnsigned(parent, 0xFFFF_FFFFL) <= 0) {
            return cborHead(fnvByte(FNV_OFFSET, 0x83), 0, parent);
        }
        long h = FNV_ARRAY3_UINT64;
        for (int shift = 56; shift >= 0; shift -= 8) {
            h = fnvByte(h, (int) (parent >>> shift));
        }
        return h;
    }

    /**
     * FNV-64a over the CBOR uints of {@code tokens[from, to)}. FNV is one multiply per byte, each depending on the
     * previous one (about 4 cycles a byte), and a vocabulary id takes 3 or 5 bytes: this loop is the floor of
     * {@code cbor-fnv}. Hashing both widths and selecting without a branch was measured slower (two multiply chains
     * per token cost more than the mispredicted width test).
     */
    static long fnvTokens(long h, int[] tokens, int from, int to) {
        for (int i = from; i < to; i++) {
            h = cborHead(h, 0, tokens[i] & 0xFFFF_FFFFL);
        }
        return h;
    }

    static long fnvByte(long h, int b) {
        return (h ^ (b & 0xFF)) * FNV_PRIME;
    }

    static long fnv(long h, byte[] data, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            h = (h ^ (data[i] & 0xFF)) * FNV_PRIME;
        }
        return h;
    }

    /** Feeds a CBOR head of {@code major} type with argument {@code value} (unsigned), in shortest form. */
    static long cborHead(long h, int major, long value) {
        int mt = major << 5;
        if (Long.compareUnsigned(value, 24) < 0) {
            return fnvByte(h, mt | (int) value);
        }
        if (Long.compareUnsigned(value, 0xFF) <= 0) {
            return fnvByte(fnvByte(h, mt | 24), (int) value);
        }
        if (Long.compareUnsigned(value, 0xFFFF) <= 0) {
            h = fnvByte(h, mt | 25);
            h = fnvByte(h, (int) (value >>> 8));
            return fnvByte(h, (int) value);
        }
        if (Long.compareUnsigned(value, 0xFFFF_FFFFL) <= 0) {
            h = fnvByte(h, mt | 26);
            for (int shift = 24; shift >= 0; shift -= 8) {
                h = fnvByte(h, (int) (value >>> shift));
            }
            return h;
        }
        h = fnvByte(h, mt | 27);
        for (int shift = 56; shift >= 0; shift -= 8) {
            h = fnvByte(h, (int) (value >>> shift));
        }
        return h;
    }

    private static void putLongLe(byte[] b, int p, long v) {
        LONG_LE.set(b, p, v);
    }
}
