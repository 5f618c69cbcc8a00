package io.quarkiverse.llmd.engine.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import net.openhft.hashing.LongHashFunction;

class XxHash64Test {

    @Test
    void knownVectors() {
        assertThat(XxHash64.hash(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(XxHash64.hash("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x44BC2CF5AD770999L);
    }

    @Test
    void matchesZeroAllocationHashingOnRandomInputs() {
        SplittableRandom random = new SplittableRandom(7);
        for (int length = 0; length <= 300; length++) {
            for (int trial = 0; trial < 3; trial++) {
                int offset = random.nextInt(9);
                byte[] data = new byte[offset + length + random.nextInt(5)];
                random.nextBytes(data);
                long seed = trial == 0 ? 0L : random.nextLong();
                long expected = LongHashFunction.xx(seed).hashBytes(data, offset, length);
                assertThat(XxHash64.hash(data, offset, length, seed)).as("length %d seed %d", length, seed)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void suffixVariantEqualsHashOfConcatenation() {
        SplittableRandom random = new SplittableRandom(11);
        byte[] scratch = new byte[XxHash64.SUFFIX_SCRATCH_BYTES];
        for (int length = 0; length <= 300; length++) {
            int offset = random.nextInt(9);
            byte[] data = new byte[offset + length + random.nextInt(5)];
            random.nextBytes(data);
            long suffix = random.nextLong();
            long seed = length % 2 == 0 ? 0L : random.nextLong();
            byte[] concat = ByteBuffer.allocate(length + 8).order(ByteOrder.LITTLE_ENDIAN)
                    .put(data, offset, length).putLong(suffix).array();
            long expected = LongHashFunction.xx(seed).hashBytes(concat);
            assertThat(XxHash64.hashWithLongSuffix(data, offset, length, suffix, seed, scratch))
                    .as("length %d", length).isEqualTo(expected);
        }
    }

    @Test
    void rejectsBadRanges() {
        assertThatThrownBy(() -> XxHash64.hash(new byte[4], 2, 3, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> XxHash64.hashWithLongSuffix(new byte[4], 0, 4, 0, 0, new byte[8]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
