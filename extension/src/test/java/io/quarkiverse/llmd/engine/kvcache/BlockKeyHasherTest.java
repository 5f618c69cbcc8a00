package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import net.openhft.hashing.LongHashFunction;

/**
 * Block keys against byte layouts written out by hand from kvcache-and-sim.md A2.2: the test hashes the literal
 * bytes with its own FNV-64a (or an independent XXH64) and compares with the streaming implementation.
 */
class BlockKeyHasherTest {

    /** FNV-64a written out plainly, independent of the class under test. */
    private static long fnv64a(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static String be64(long v) {
        return String.format("%016x", v);
    }

    @Test
    void fnvKnownVectors() {
        assertThat(fnv64a(new byte[0])).isEqualTo(0xcbf29ce484222325L);
        assertThat(fnv64a("a".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(fnv64a("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x85944171f73967e8L);
    }

    @Test
    void cborFnvInitIsFnvOfTheSeedBytes() {
        assertThat(new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 16, "").initHash()).isEqualTo(0xcbf29ce484222325L);
        assertThat(new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 16, "42").initHash())
                .isEqualTo(fnv64a(Bytes.of("'42")));
    }

    @Test
    void cborFnvRootIsTheArrayOfSeedNilAndModelName() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 16, "");
        // [0xcbf29ce484222325 (uint64), null, "Qwen/Qwen3-32B" (text, 14 bytes)]
        byte[] cbor = Bytes.of("83", "1b cb f2 9c e4 84 22 23 25", "f6", "6e", "'Qwen/Qwen3-32B");

        assertThat(hasher.rootKey("Qwen/Qwen3-32B")).isEqualTo(fnv64a(cbor));
    }

    @Test
    void cborFnvRootWithALongModelNameUsesTheOneByteLengthHead() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 16, "");
        String model = "meta-llama/Llama-3.1-70B-Instruct"; // 33 bytes: text head 0x78 0x21
        byte[] cbor = Bytes.of("83", "1b cb f2 9c e4 84 22 23 25", "f6", "78 21", "'" + model);

        assertThat(hasher.rootKey(model)).isEqualTo(fnv64a(cbor));
    }

    @Test
    void cborFnvBlockUsesShortestFormIntegers() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "");
        int[] tokens = { 5, 24, 300, 70_000 };
        // parent 7 -> 07; tokens: 05, 18 18, 19 01 2c, 1a 00 01 11 70; no features -> f6
        byte[] small = Bytes.of("83", "07", "84", "05", "18 18", "19 01 2c", "1a 00 01 11 70", "f6");
        // parent 300 -> 19 01 2c; parent 2^32 -> 1b 00 00 00 01 00 00 00 00; parent 255 -> 18 ff
        byte[] mid = Bytes.of("83", "19 01 2c", "84", "05", "18 18", "19 01 2c", "1a 00 01 11 70", "f6");
        byte[] wide = Bytes.of("83", "1b 00 00 00 01 00 00 00 00", "84", "05", "18 18", "19 01 2c",
                "1a 00 01 11 70", "f6");
        byte[] byteParent = Bytes.of("83", "18 ff", "84", "05", "18 18", "19 01 2c", "1a 00 01 11 70", "f6");

        assertThat(hasher.blockKey(7, tokens, 0, 4, null)).isEqualTo(fnv64a(small));
        assertThat(hasher.blockKey(300, tokens, 0, 4, null)).isEqualTo(fnv64a(mid));
        assertThat(hasher.blockKey(1L << 32, tokens, 0, 4, List.of())).isEqualTo(fnv64a(wide));
        assertThat(hasher.blockKey(255, tokens, 0, 4, null)).isEqualTo(fnv64a(byteParent));
    }

    @Test
    void cborFnvBlockOf64TokensUsesTheOneByteArrayHead() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 64, "");
        int[] tokens = new int[64];
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            tokens[i] = i;
            hex.append(i < 24 ? String.format("%02x ", i) : String.format("18 %02x ", i));
        }
        long parent = 0xDAB89BAA7B5857C0L;
        byte[] cbor = Bytes.of("83", "1b " + be64(parent), "98 40", hex.toString(), "f6");

        assertThat(hasher.blockKey(parent, tokens, 0, 64, null)).isEqualTo(fnv64a(cbor));
    }

    @Test
    void cborFnvFeaturesAreAnArrayOfHashMaps() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 2, "");
        int[] tokens = { 1, 2 };
        byte[] cbor = Bytes.of("83", "09", "82 01 02",
                "82", "a1 64", "'Hash", "63", "'abc", "a1 64", "'Hash", "65", "'salt1");

        assertThat(hasher.blockKey(9, tokens, 0, 2, List.of("abc", "salt1"))).isEqualTo(fnv64a(cbor));
    }

    @Test
    void chainContinuesFromTheRootAndDropsThePartialBlock() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 2, "seed");
        int[] tokens = { 10, 11, 12, 13, 14 };
        long root = fnv64a(Bytes.of("83", "1b " + be64(fnv64a(Bytes.of("'seed"))), "f6", "61", "'m"));
        long k0 = fnv64a(Bytes.of("83", "1b " + be64(root), "82 0a 0b", "f6"));
        long k1 = fnv64a(Bytes.of("83", "1b " + be64(k0), "82 0c 0d", "f6"));

        assertThat(hasher.requestKeys("m", tokens, tokens.length, null)).containsExactly(k0, k1);
        assertThat(hasher.requestKeys("m", tokens, 1, null)).isEmpty();
        // cache_salt joins block 0 only, as its one feature.
        long s0 = fnv64a(Bytes.of("83", "1b " + be64(root), "82 0a 0b", "81 a1 64", "'Hash", "62", "'s1"));
        long s1 = fnv64a(Bytes.of("83", "1b " + be64(s0), "82 0c 0d", "f6"));
        assertThat(hasher.requestKeys("m", tokens, tokens.length, "s1")).containsExactly(s0, s1);
    }

    @Test
    void xxh64LayoutIsLittleEndianParentTokensAndLengthPrefixedExtras() {
        BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.XXH64, 3, "42");
        LongHashFunction xx = LongHashFunction.xx(0);
        long init = xx.hashBytes(Bytes.of("'42"));
        assertThat(hasher.initHash()).isEqualTo(init);

        byte[] rootBytes = ByteBuffer.allocate(8 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(init).putLong(4)
                .put(Bytes.of("'qwen")).array();
        long root = xx.hashBytes(rootBytes);
        assertThat(hasher.rootKey("qwen")).isEqualTo(root);

        int[] tokens = { 1, 70_000, 0x7fffffff };
        byte[] block = ByteBuffer.allocate(8 + 12).order(ByteOrder.LITTLE_ENDIAN).putLong(root).putInt(1)
                .putInt(70_000).putInt(0x7fffffff).array();
        assertThat(hasher.blockKey(root, tokens, 0, 3, null)).isEqualTo(xx.hashBytes(block));

        byte[] withExtra = ByteBuffer.allocate(8 + 12 + 8 + 2).order(ByteOrder.LITTLE_ENDIAN).putLong(root)
                .putInt(1).putInt(70_000).putInt(0x7fffffff).putLong(2).put(Bytes.of("'mm")).array();
        assertThat(hasher.blockKey(root, tokens, 0, 3, List.of("mm"))).isEqualTo(xx.hashBytes(withExtra));
    }

    /** Canonical CBOR of {@code [parent, tokens, null]}, byte by byte (the reference the fast path must equal). */
    private static byte[] cborBlock(long parent, int[] tokens, int offset, int length) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x83);
        head(out, 0, parent);
        head(out, 4, length);
        for (int i = offset; i < offset + length; i++) {
            head(out, 0, tokens[i] & 0xFFFF_FFFFL);
        }
        out.write(0xF6);
        return out.toByteArray();
    }

    private static void head(java.io.ByteArrayOutputStream out, int major, long v) {
        int mt = major << 5;
        int bytes = Long.compareUnsigned(v, 24) < 0 ? 0 : Long.compareUnsigned(v, 0xFF) <= 0 ? 1
                : Long.compareUnsigned(v, 0xFFFF) <= 0 ? 2 : Long.compareUnsigned(v, 0xFFFF_FFFFL) <= 0 ? 4 : 8;
        out.write(mt | (bytes == 0 ? (int) v : bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** The hand-tuned paths (branch-free token encoding, xxh64 read from the ints) against plain byte encodings. */
    @Test
    void fastPathsEqualTheByteEncodingsForEveryTokenWidthParentAndLength() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        LongHashFunction xx = LongHashFunction.xx(0);
        int[] edges = { 0, 23, 24, 255, 256, 65_535, 65_536, 151_935, 0x7FFF_FFFF, -1 };
        for (int round = 0; round < 3_000; round++) {
            int length = 1 + random.nextInt(80);
            int offset = random.nextInt(4);
            int[] tokens = new int[offset + length + random.nextInt(3)];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(4) == 0 ? edges[random.nextInt(edges.length)] : random.nextInt(151_936);
            }
            long parent = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(70_000);
                case 1 -> random.nextLong(1L << 32);
                default -> random.nextLong();
            };
            BlockKeyHasher fnv = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, length, "");
            assertThat(fnv.blockKey(parent, tokens, offset, length, null))
                    .isEqualTo(fnv64a(cborBlock(parent, tokens, offset, length)));
            ByteBuffer le = ByteBuffer.allocate(8 + 4 * length).order(ByteOrder.LITTLE_ENDIAN).putLong(parent);
            for (int i = offset; i < offset + length; i++) {
                le.putInt(tokens[i]);
            }
            BlockKeyHasher xxh = new BlockKeyHasher(HashAlgorithm.XXH64, length, "");
            assertThat(xxh.blockKey(parent, tokens, offset, length, null)).isEqualTo(xx.hashBytes(le.array()));
        }
    }

    @Test
    void reusingRecentChainsGivesTheSameKeysAsHashingAfresh() {
        for (HashAlgorithm algorithm : HashAlgorithm.values()) {
            BlockKeyHasher reusing = new BlockKeyHasher(algorithm, 4, "7");
            BlockKeyHasher fresh = new BlockKeyHasher(algorithm, 4, "7");
            java.util.SplittableRandom random = new java.util.SplittableRandom(4);
            int[] system = new int[40];
            for (int i = 0; i < system.length; i++) {
                system[i] = random.nextInt(150_000);
            }
            String[] models = { "m", "n" };
            String[] salts = { null, "", "s1" };
            for (int round = 0; round < 300; round++) {
                // A shared system prompt cut at a random point (often mid-block), then a random question.
                int shared = random.nextInt(system.length + 1);
                int[] prompt = java.util.Arrays.copyOf(system, shared + random.nextInt(30));
                for (int i = shared; i < prompt.length; i++) {
                    prompt[i] = random.nextInt(150_000);
                }
                String model = models[random.nextInt(2)];
                String salt = salts[random.nextInt(3)];
                int count = prompt.length - random.nextInt(3 + Math.min(3, prompt.length));
                count = Math.max(0, count);
                assertThat(reusing.chainReusing(model, prompt, count, salt).keys())
                        .as("%s round %d", algorithm, round)
                        .containsExactly(fresh.requestKeys(model, prompt, count, salt));
            }
        }
    }

    @Test
    void aChainHashesOnlyTheBlocksAskedForAndGivesTheSameKeys() {
        for (HashAlgorithm algorithm : HashAlgorithm.values()) {
            BlockKeyHasher hasher = new BlockKeyHasher(algorithm, 4, "7");
            int[] tokens = new java.util.SplittableRandom(9).ints(101, 0, 150_000).toArray();
            long[] expected = hasher.requestKeys("m", tokens, 101, "salt");

            BlockKeyChain chain = hasher.chain("m", tokens, 101, "salt");

            assertThat(chain.count()).isEqualTo(25);
            assertThat(chain.computed()).isZero();
            assertThat(chain.key(3)).isEqualTo(expected[3]);
            int ahead = algorithm == HashAlgorithm.XXH64 ? BlockKeyChain.XXH64_AHEAD : 0;
            assertThat(chain.computed()).as("blocks 0 to 3 (and a stride ahead for xxh64), no further")
                    .isEqualTo(4 + ahead);
            assertThat(chain.key(0)).isEqualTo(expected[0]);
            assertThat(chain.computed()).isEqualTo(4 + ahead);
            assertThat(chain.key(20)).isEqualTo(expected[20]);
            assertThat(chain.computed()).as("never past the last block").isEqualTo(Math.min(25, 21 + ahead));
            assertThat(chain.keys()).containsExactly(expected);
        }
    }

    @Test
    void aRecentChainIsReusedAsFarAsItWasHashed() {
        for (HashAlgorithm algorithm : HashAlgorithm.values()) {
            BlockKeyHasher reusing = new BlockKeyHasher(algorithm, 4, "7");
            BlockKeyHasher fresh = new BlockKeyHasher(algorithm, 4, "7");
            java.util.SplittableRandom random = new java.util.SplittableRandom(5);
            int[] system = random.ints(60, 0, 150_000).toArray();
            for (int round = 0; round < 300; round++) {
                int[] prompt = java.util.Arrays.copyOf(system, random.nextInt(system.length + 1) + random.nextInt(8));
                for (int i = Math.min(prompt.length, system.length); i < prompt.length; i++) {
                    prompt[i] = random.nextInt(150_000);
                }
                long[] expected = fresh.requestKeys("m", prompt, prompt.length, null);
                BlockKeyChain chain = reusing.chainReusing("m", prompt, prompt.length, null);
                // A lookup stops where no endpoint holds the prefix: leave the chain hashed only that far.
                int asked = chain.count() == 0 ? 0 : random.nextInt(chain.count() + 1);
                for (int i = 0; i < asked; i++) {
                    assertThat(chain.key(i)).as("%s round %d block %d", algorithm, round, i).isEqualTo(expected[i]);
                }
                assertThat(chain.computed()).isGreaterThanOrEqualTo(asked);
            }
            int[] prompt = java.util.Arrays.copyOf(system, 60);
            BlockKeyChain last = reusing.chainReusing("m", prompt, 60, null);
            assertThat(last.computed()).as("the shared blocks hashed in earlier rounds").isPositive();
            assertThat(last.keys()).containsExactly(fresh.requestKeys("m", prompt, 60, null));
        }
    }

    @Test
    void algorithmsAndSeedsGiveDifferentKeys() {
        int[] tokens = { 1, 2, 3, 4 };
        long cbor = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "").requestKeys("m", tokens, 4, null)[0];
        long xxh = new BlockKeyHasher(HashAlgorithm.XXH64, 4, "").requestKeys("m", tokens, 4, null)[0];
        long seeded = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "42").requestKeys("m", tokens, 4, null)[0];
        long other = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "").requestKeys("n", tokens, 4, null)[0];
        assertThat(List.of(cbor, xxh, seeded, other)).doesNotHaveDuplicates();
    }

    @Test
    void algorithmNamesAndBlockSizeAreChecked() {
        assertThat(HashAlgorithm.fromConfig(null)).isEqualTo(HashAlgorithm.CBOR_FNV);
        assertThat(HashAlgorithm.fromConfig("XXH64")).isEqualTo(HashAlgorithm.XXH64);
        assertThatThrownBy(() -> HashAlgorithm.fromConfig("xxhash")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cbor-fnv, xxh64");
        assertThatThrownBy(() -> new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
