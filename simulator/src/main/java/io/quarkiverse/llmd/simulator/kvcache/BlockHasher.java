package io.quarkiverse.llmd.simulator.kvcache;

import java.nio.charset.StandardCharsets;

/**
 * Chain hash of token blocks, the simulator's own choice (vLLM's hash is opaque to llm-d since v0.5, so only
 * consistency inside one process matters, see kvcache-and-sim.md A2.4).
 *
 * <p>Design: a 64-bit multiply-rotate mix in the style of XXH64's round function. The state starts from the parent
 * hash and the per-request extra key (LoRA name), absorbs each token id, and ends with the MurMur3 {@code fmix64}
 * avalanche so that single-token differences flip about half the bits. The chain root is derived from the model
 * name, so two models never share blocks; {@code cache_salt} is folded into the root of block 0 only, as vLLM folds
 * it into block 0's extra keys. Zero is reserved for "no hash" and never returned.
 */
public final class BlockHasher {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;

    private final long modelRoot;

    public BlockHasher(String modelName) {
        this.modelRoot = hashString(0x27D4EB2F165667C5L, modelName);
    }

    /** Extra key for every block of a request (the LoRA name), or 0 without LoRA. */
    public static long extraKey(String loraName) {
        return loraName == null ? 0 : hashString(P3, loraName);
    }

    /** Parent hash of block 0 for a request with the given LoRA extra key and cache salt (either may be absent). */
    public long root(long extraKey, String cacheSalt) {
        long h = modelRoot;
        if (extraKey != 0) {
            h = fmix(h ^ extraKey * P1);
        }
        if (cacheSalt != null) {
            h = hashString(h, cacheSalt);
        }
        return nonZero(h);
    }

    /** Hash of the block of tokens {@code tokens[from, from+len)} whose predecessor hashes to {@code parent}. */
    public static long hashBlock(long parent, long extraKey, int[] tokens, int from, int len) {
        long h = parent * P2 + extraKey + len;
        for (int i = from, end = from + len; i < end; i++) {
            h ^= Long.rotateLeft((tokens[i] & 0xFFFFFFFFL) * P2, 31) * P1;
            h = Long.rotateLeft(h, 27) * P1 + P3;
        }
        return nonZero(fmix(h));
    }

    /** Same as {@link #hashBlock(long, long, int[], int, int)} over a token source, for blocks spanning prompt and output. */
    public static long hashBlock(long parent, long extraKey, TokenSource tokens, int from, int len) {
        long h = parent * P2 + extraKey + len;
        for (int i = from, end = from + len; i < end; i++) {
            h ^= Long.rotateLeft((tokens.tokenAt(i) & 0xFFFFFFFFL) * P2, 31) * P1;
            h = Long.rotateLeft(h, 27) * P1 + P3;
        }
        return nonZero(fmix(h));
    }

    /** Random-access tokens of a sequence. */
    @FunctionalInterface
    public interface TokenSource {
        int tokenAt(int position);
    }

    private static long hashString(long seed, String s) {
        long h = seed;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = Long.rotateLeft(h ^ (b & 0xff) * P1, 23) * P2;
        }
        return fmix(h + s.length());
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static long nonZero(long h) {
        return h == 0 ? 1 : h;
    }
}
