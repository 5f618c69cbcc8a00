package io.quarkiverse.llmd.runtime.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class IndexOpCodecTest {

    private static final List<IndexOp> OPS = List.of(
            new IndexOp.Add(new long[] { -1L, 7 }, new long[] { 0, Long.MIN_VALUE, 3 }, "10.0.0.1:8000", "gpu"),
            new IndexOp.Evict(-1L, "10.0.0.1:8000", "cpu"),
            new IndexOp.Clear("pod-é"),
            new IndexOp.RemoveEndpoint("10.0.0.1:8000"));

    @Test
    void batchesAndSnapshotsRoundTrip() {
        assertThat(IndexOpCodec.decode(IndexOpCodec.encode(OPS))).isEqualTo(OPS);
        IndexOpCodec.Snapshot s = IndexOpCodec.decodeSnapshot(IndexOpCodec.encodeSnapshot("1700000000000-3", OPS));
        assertThat(s.position()).isEqualTo("1700000000000-3");
        assertThat(s.ops()).isEqualTo(OPS);
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        byte[] bytes = IndexOpCodec.encode(List.of(new IndexOp.Clear("a")));
        assertThat(bytes).containsExactly('L', 'K', 1, 0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 1, 3, 0, 0, 0, 0);
    }

    @Test
    void liesAboutLengthsAreRefusedBeforeAllocating() {
        byte[] bytes = IndexOpCodec.encode(OPS);
        // The string count (bytes 3-6) claims two billion strings.
        byte[] lying = bytes.clone();
        lying[3] = 0x7F;
        assertThatThrownBy(() -> IndexOpCodec.decode(lying)).isInstanceOf(IndexOpDecodeException.class)
                .hasMessageContaining("string count");
        assertThatThrownBy(() -> IndexOpCodec.decode(new byte[] { 'L', 'K', 9 }))
                .isInstanceOf(IndexOpDecodeException.class).hasMessageContaining("version");
    }

    @Test
    void everyTruncationAndRandomCorruptionFailsCleanly() {
        byte[] bytes = IndexOpCodec.encode(OPS);
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThatThrownBy(() -> IndexOpCodec.decode(cut)).isInstanceOf(IndexOpDecodeException.class);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] noisy = bytes.clone();
            noisy[random.nextInt(noisy.length)] = (byte) random.nextInt(256);
            try {
                IndexOpCodec.decode(noisy);
            } catch (IndexOpDecodeException expected) {
                // the only failure allowed
            }
        }
    }
}
