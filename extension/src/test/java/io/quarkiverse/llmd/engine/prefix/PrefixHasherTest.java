package io.quarkiverse.llmd.engine.prefix;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.testing.Fixtures;
import net.openhft.hashing.LongHashFunction;

class PrefixHasherTest {

    private static final LongHashFunction XX = LongHashFunction.xx();

    /** The chain computed the slow, obvious way with an independent xxHash64. */
    static long[] referenceChain(String model, String salt, byte[] input, int blockSizeTokens, int maxBlocks) {
        int chars = blockSizeTokens * 4;
        if (input.length < chars) {
            return new long[0];
        }
        byte[] seedInput = (model + (salt == null ? "" : salt)).getBytes(StandardCharsets.UTF_8);
        long previous = XX.hashBytes(seedInput);
        int length = (int) Math.min(input.length, (long) maxBlocks * chars);
        int blocks = (length + chars - 1) / chars;
        long[] out = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            int start = i * chars;
            int end = Math.min(length, start + chars);
            ByteBuffer block = ByteBuffer.allocate(end - start + 8).order(ByteOrder.LITTLE_ENDIAN);
            block.put(input, start, end - start).putLong(previous);
            previous = XX.hashBytes(block.array());
            out[i] = previous;
        }
        return out;
    }

    private static InferenceRequest request(String model, String salt, String prompt) {
        return new InferenceRequest("r", ApiType.COMPLETIONS, model, model, false, salt, Map.of(), null,
                prompt.getBytes(StandardCharsets.UTF_8), false);
    }

    @Test
    void chainMatchesHandComputedVectors() {
        String prompt = "You are a helpful assistant. ".repeat(20) + "Tell me about xxHash.";
        long[] chain = new PrefixHasher().hashChain(request("llama-3", null, prompt), 16, 256);
        assertThat(chain).containsExactly(referenceChain("llama-3", null, prompt.getBytes(StandardCharsets.UTF_8),
                16, 256));
        assertThat(chain).hasSize((prompt.length() + 63) / 64);

        // First link by hand: h0 = xx("llama-3"), h1 = xx(block0 ‖ le64(h0)).
        long h0 = XX.hashBytes("llama-3".getBytes(StandardCharsets.UTF_8));
        byte[] first = ByteBuffer.allocate(72).order(ByteOrder.LITTLE_ENDIAN)
                .put(prompt.substring(0, 64).getBytes(StandardCharsets.UTF_8)).putLong(h0).array();
        assertThat(chain[0]).isEqualTo(XX.hashBytes(first));
        assertThat(PrefixHasher.seed("llama-3", null)).isEqualTo(h0);
        assertThat(PrefixHasher.seed("llama-3", "")).isEqualTo(h0);
    }

    @Test
    void saltAndModelChangeEveryHash() {
        String prompt = "x".repeat(200);
        PrefixHasher hasher = new PrefixHasher();
        long[] plain = hasher.hashChain(request("m", null, prompt), 16, 256);
        long[] salted = hasher.hashChain(request("m", "tenant-a", prompt), 16, 256);
        long[] other = hasher.hashChain(request("m2", null, prompt), 16, 256);
        assertThat(salted).containsExactly(referenceChain("m", "tenant-a", prompt.getBytes(StandardCharsets.UTF_8),
                16, 256));
        assertThat(PrefixHasher.seed("m", "tenant-a")).isEqualTo(XX.hashBytes("mtenant-a".getBytes(
                StandardCharsets.UTF_8)));
        for (int i = 0; i < plain.length; i++) {
            assertThat(salted[i]).isNotEqualTo(plain[i]);
            assertThat(other[i]).isNotEqualTo(plain[i]);
        }
        // cached seed path gives the same result as the uncached one
        assertThat(hasher.hashChain(request("m", null, prompt), 16, 256)).containsExactly(plain);
    }

    @Test
    void trailingPartialBlockIsHashed() {
        byte[] input = "a".repeat(64 + 10).getBytes(StandardCharsets.UTF_8);
        long[] out = new long[4];
        int n = PrefixHasher.hashChain(input, PrefixHasher.seed("m", null), 16, 256, out);
        assertThat(n).isEqualTo(2);
        assertThat(Arrays.copyOf(out, n)).containsExactly(referenceChain("m", null, input, 16, 256));
    }

    @Test
    void inputShorterThanOneBlockHasNoHashes() {
        PrefixHasher hasher = new PrefixHasher();
        assertThat(hasher.hashChain(request("m", null, "x".repeat(63)), 16, 256)).isEmpty();
        assertThat(hasher.hashChain(request("m", null, "x".repeat(64)), 16, 256)).hasSize(1);
        assertThat(hasher.hashChain(Fixtures.request("m", ""), 16, 256)).isEmpty();
        assertThat(PrefixHasher.blockCount(0, 64, 256)).isZero();
    }

    @Test
    void truncatesToMaxBlocks() {
        byte[] input = "abcdefgh".repeat(100).getBytes(StandardCharsets.UTF_8); // 800 bytes, 12.5 blocks of 64
        long[] full = new long[16];
        assertThat(PrefixHasher.hashChain(input, 1L, 16, 256, full)).isEqualTo(13);
        long[] capped = new long[5];
        assertThat(PrefixHasher.hashChain(input, 1L, 16, 5, capped)).isEqualTo(5);
        assertThat(capped).containsExactly(Arrays.copyOf(full, 5));
        assertThat(PrefixHasher.blockCount(800, 64, 0)).isZero();
        assertThat(PrefixHasher.blockCount(800, 64, PrefixHasher.UNLIMITED)).isEqualTo(13);
    }

    @Test
    void sharedPrefixesShareLeadingHashes() {
        PrefixHasher hasher = new PrefixHasher();
        String system = "s".repeat(64 * 3);
        long[] a = hasher.hashChain(request("m", null, system + "question one, long enough"), 16, 256);
        long[] b = hasher.hashChain(request("m", null, system + "another question entirely"), 16, 256);
        assertThat(Arrays.copyOf(a, 3)).containsExactly(Arrays.copyOf(b, 3));
        assertThat(a[3]).isNotEqualTo(b[3]);
    }

    @Test
    void lazyChainYieldsTheSameHashesBlockByBlock() {
        String prompt = "lazy chains hash only what the walk needs. ".repeat(12);
        PrefixHasher hasher = new PrefixHasher();
        InferenceRequest request = request("m", "salt", prompt);
        long[] eager = hasher.hashChain(request, 16, 256);
        PrefixHasher.Chain chain = hasher.chain(request, 16, 256);
        assertThat(chain.count()).isEqualTo(eager.length);
        assertThat(chain.next()).isEqualTo(eager[0]);
        assertThat(chain.next()).isEqualTo(eager[1]);
        assertThat(chain.position()).isEqualTo(2);
        chain.reset();
        for (long expected : eager) {
            assertThat(chain.hasNext()).isTrue();
            assertThat(chain.next()).isEqualTo(expected);
        }
        assertThat(chain.hasNext()).isFalse();
        assertThat(chain.toArray()).containsExactly(eager);
        assertThat(PrefixHasher.of(eager, 3).toArray()).containsExactly(Arrays.copyOf(eager, 3));
        assertThat(hasher.chain(request("m", null, "short"), 16, 256).count()).isZero();
        assertThat(PrefixHasher.chain(prompt.getBytes(StandardCharsets.UTF_8), PrefixHasher.seed("m", "salt"), 16, 256)
                .toArray()).containsExactly(eager);
    }
}
