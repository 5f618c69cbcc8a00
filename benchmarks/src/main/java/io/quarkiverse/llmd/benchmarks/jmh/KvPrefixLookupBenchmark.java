package io.quarkiverse.llmd.benchmarks.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.HashAlgorithm;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvPrefixMatch;

/**
 * Precise prefix scoring of a 4,000-token prompt (250 blocks of 16 tokens) across 64 endpoints: the longest
 * consecutive prefix per endpoint, from the request keys ({@link #lookup}) and from the token ids, hashing
 * included ({@link #hashAndLookup}). The index holds 20,000 other blocks per endpoint (1.28 million); of the 64
 * endpoints, 8 hold the whole prompt on GPU, 8 hold its first half on GPU and the rest on CPU, 16 hold its
 * first 10 to 160 blocks, and 32 hold none of it. The prompt's ids are drawn uniformly from Qwen3's 151,936-id
 * vocabulary ({@code uniform}, 4.1 CBOR bytes per id) or are those of real text ({@code text}: this repository's
 * docs and code through Qwen3's tokenizer, 2.7 CBOR bytes per id, as a BPE vocabulary gives frequent tokens low
 * ids); cbor-fnv hashes each byte, xxh64 four per id either way. Run with {@code bin/llmd-bench jmh KvPrefixLookup}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms2g", "-Xmx2g" })
public class KvPrefixLookupBenchmark {

    static final int ENDPOINTS = 64;
    static final int TOKENS = 4_000;
    static final int BLOCK_SIZE = 16;
    static final int OTHER_BLOCKS_PER_ENDPOINT = 20_000;
    static final String MODEL = "Qwen/Qwen3-32B";

    @Param({ "cbor-fnv", "xxh64" })
    public String hashAlgorithm;

    /** Where the prompt's ids come from: {@code uniform} or {@code text}. */
    @Param({ "uniform", "text" })
    public String tokenIds;

    private InMemoryKvBlockIndex index;
    private BlockKeyHasher hasher;
    private int[] tokens;
    private long[] keys;
    private String[] names;
    private int[][] sharedPrefixPrompts;
    private BlockKeyHasher reusingHasher;
    private int nextPrompt;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3);
        hasher = new BlockKeyHasher(HashAlgorithm.fromConfig(hashAlgorithm), BLOCK_SIZE, "42");
        index = new InMemoryKvBlockIndex();
        tokens = new int[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            tokens[i] = random.nextInt(151_936);
        }
        if ("text".equals(tokenIds)) {
            tokens = textIds();
        }
        keys = hasher.requestKeys(MODEL, tokens, TOKENS, null);
        names = new String[ENDPOINTS];
        long[] none = new long[0];
        long[] other = new long[OTHER_BLOCKS_PER_ENDPOINT];
        for (int e = 0; e < ENDPOINTS; e++) {
            names[e] = "default/vllm-" + e + "-rank-0";
            for (int i = 0; i < other.length; i++) {
                other[i] = random.nextLong();
            }
            index.add(none, 0, other, other.length, names[e], "gpu");
            if (e < 8) {
                index.add(none, 0, keys, keys.length, names[e], "gpu");
            } else if (e < 16) {
                index.add(none, 0, keys, keys.length / 2, names[e], "gpu");
                long[] tail = java.util.Arrays.copyOfRange(keys, keys.length / 2, keys.length);
                index.add(none, 0, tail, tail.length, names[e], "cpu");
            } else if (e < 32) {
                index.add(none, 0, keys, 10 * (e - 15), names[e], "gpu");
            }
        }
        sharedPrefixPrompts = new int[16][];
        for (int p = 0; p < sharedPrefixPrompts.length; p++) {
            int[] prompt = java.util.Arrays.copyOf(tokens, TOKENS);
            for (int i = 3_500; i < TOKENS; i++) {
                prompt[i] = random.nextInt(151_936);
            }
            sharedPrefixPrompts[p] = prompt;
        }
        reusingHasher = new BlockKeyHasher(HashAlgorithm.fromConfig(hashAlgorithm), BLOCK_SIZE, "42");
        KvPrefixMatch check = index.longestPrefix(keys, keys.length);
        if (check.blocks(names[0]) != keys.length || check.blocks(names[40]) != 0) {
            throw new IllegalStateException("unexpected setup: " + check);
        }
    }

    /** The 4,000 ids of {@code jmh/qwen3-text-4000.ids}. */
    static int[] textIds() {
        try (var in = KvPrefixLookupBenchmark.class.getResourceAsStream("/jmh/qwen3-text-4000.ids")) {
            if (in == null) {
                throw new IllegalStateException("jmh/qwen3-text-4000.ids is not on the class path");
            }
            int[] ids = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).mapToInt(Integer::parseInt).toArray();
            if (ids.length != TOKENS) {
                throw new IllegalStateException("expected " + TOKENS + " ids, found " + ids.length);
            }
            return ids;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Benchmark
    public KvPrefixMatch lookup() {
        return index.longestPrefix(keys, keys.length);
    }

    /**
     * {@link #lookup} on an index that also holds speculative entries (speculativeIndexing): the same real entries,
     * plus the prompt predicted on 8 of the endpoints that hold none of it, plus 40,000 predictions of other
     * blocks (2 s of 80 requests/s of 250 blocks each, what a TTL of 2 s keeps alive at that rate).
     */
    @Benchmark
    public KvPrefixMatch lookupWithPredictions(Predicting state) {
        return state.index.longestPrefix(state.keys, state.keys.length);
    }

    /** The index of {@link #lookupWithPredictions}, built only for that benchmark. */
    @State(Scope.Thread)
    public static class Predicting {
        InMemoryKvBlockIndex index;
        long[] keys;

        @Setup(Level.Trial)
        public void setUp(KvPrefixLookupBenchmark outer) {
            index = new InMemoryKvBlockIndex();
            keys = outer.keys;
            SplittableRandom random = new SplittableRandom(5);
            long[] none = new long[0];
            long[] other = new long[OTHER_BLOCKS_PER_ENDPOINT];
            for (int e = 0; e < ENDPOINTS; e++) {
                for (int i = 0; i < other.length; i++) {
                    other[i] = random.nextLong();
                }
                index.add(none, 0, other, other.length, outer.names[e], "gpu");
                if (e < 8) {
                    index.add(none, 0, keys, keys.length, outer.names[e], "gpu");
                } else if (e >= 32 && e < 40) {
                    index.addSpeculative(keys, keys.length, outer.names[e], Long.MAX_VALUE);
                }
            }
            long[] predicted = new long[250];
            for (int r = 0; r < 160; r++) {
                for (int i = 0; i < predicted.length; i++) {
                    predicted[i] = random.nextLong();
                }
                index.addSpeculative(predicted, predicted.length, outer.names[r % ENDPOINTS], Long.MAX_VALUE);
            }
            KvPrefixMatch check = index.longestPrefix(keys, keys.length);
            if (check.blocks(outer.names[35]) != keys.length || index.speculativeCount() != 42_000) {
                throw new IllegalStateException("unexpected setup: " + check + ", " + index.speculativeCount());
            }
        }
    }

    /**
     * What the precise producer does: the index walks a chain hashed on demand, so each block's lookup overlaps the
     * next block's hashing (and nothing past the longest held prefix is hashed; here 8 endpoints hold all of it).
     */
    @Benchmark
    public KvPrefixMatch hashAndLookup() {
        return index.longestPrefix(hasher.chain(MODEL, tokens, TOKENS, null));
    }

    /** {@link #hashAndLookup} in two passes, every key hashed before the first lookup (the producer until 2026-12). */
    @Benchmark
    public KvPrefixMatch hashThenLookup() {
        long[] k = hasher.requestKeys(MODEL, tokens, TOKENS, null);
        return index.longestPrefix(k, k.length);
    }

    /**
     * What the precise producer does for a stream of prompts that share a 3,500-token system prompt and differ in
     * a 500-token question: the keys of the shared blocks are reused from the previous prompt, only the question's
     * blocks are hashed.
     */
    @Benchmark
    public KvPrefixMatch hashAndLookupSharedPrefix() {
        int[] prompt = sharedPrefixPrompts[nextPrompt];
        nextPrompt = (nextPrompt + 1) % sharedPrefixPrompts.length;
        return index.longestPrefix(reusingHasher.chainReusing(MODEL, prompt, prompt.length, null));
    }

    @Benchmark
    public long[] hashOnly() {
        return hasher.requestKeys(MODEL, tokens, TOKENS, null);
    }
}
