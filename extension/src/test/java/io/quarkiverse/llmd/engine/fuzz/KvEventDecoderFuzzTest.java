package io.quarkiverse.llmd.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.HashAlgorithm;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEvent;
import io.quarkiverse.llmd.engine.kvcache.KvEventBatch;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecodeException;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecoder;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;
import io.quarkiverse.llmd.engine.kvcache.KvEventMessage;

/**
 * A KV-event payload comes off a socket any publisher can reach: the decoder may refuse it only with a
 * {@link KvEventDecodeException}, never trusts a length (what it returns is bounded by the payload: every hash,
 * token and event costs at least one byte), and whatever it accepts can be applied to an index without an
 * exception and without growing it past its bound. The same bytes also go through the frame checks of a live
 * message.
 */
class KvEventDecoderFuzzTest {

    private static final int CAPACITY = 256;

    @FuzzTest(maxDuration = "15s")
    void decode(byte[] payload) {
        frames(payload);
        KvEventBatch batch;
        try {
            batch = KvEventDecoder.decode(payload);
        } catch (KvEventDecodeException e) {
            return;
        }
        long elements = batch.events().size();
        for (KvEvent event : batch.events()) {
            if (event instanceof KvEvent.BlockStored s) {
                elements += s.blockHashes().length + s.tokenIds().length;
            } else if (event instanceof KvEvent.BlockRemoved r) {
                elements += r.blockHashes().length;
            }
        }
        assertThat(elements).isLessThanOrEqualTo(payload.length);

        InMemoryKvBlockIndex index = new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.withCapacity(CAPACITY));
        KvEventIngestor ingestor = new KvEventIngestor(index, new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "42"));
        ingestor.apply("10.0.0.1:8000", "m", batch);
        ingestor.apply("10.0.0.2:8000", "", batch);
        assertThat(index.blockCount()).isLessThanOrEqualTo(CAPACITY);
        assertThat(index.entryCount()).isLessThanOrEqualTo(2L * CAPACITY);
    }

    /** The payload cut into frames at its first two zero bytes, as a live message's checks see it. */
    private static void frames(byte[] bytes) {
        int first = indexOf(bytes, 0);
        int second = first < 0 ? -1 : indexOf(bytes, first + 1);
        List<byte[]> frames = first < 0 ? List.of(bytes)
                : second < 0 ? List.of(slice(bytes, 0, first), slice(bytes, first + 1, bytes.length))
                        : List.of(slice(bytes, 0, first), slice(bytes, first + 1, second),
                                slice(bytes, second + 1, bytes.length));
        try {
            KvEventMessage m = KvEventMessage.of(frames);
            assertThat(m.topic().podId().length()).isLessThanOrEqualTo(bytes.length);
        } catch (KvEventDecodeException e) {
            // refused with a clear error: fine
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }
}
