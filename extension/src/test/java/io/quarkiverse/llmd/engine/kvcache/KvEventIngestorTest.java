package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.kvcache.KvEvent.BlockRemoved;
import io.quarkiverse.llmd.engine.kvcache.KvEvent.BlockStored;

class KvEventIngestorTest {

    private static final String POD = "10.0.0.1:8000";
    private static final String MODEL = "qwen";

    private final InMemoryKvBlockIndex index = new InMemoryKvBlockIndex();
    private final BlockKeyHasher hasher = new BlockKeyHasher(HashAlgorithm.CBOR_FNV, 4, "42");
    private final KvEventIngestor ingestor = new KvEventIngestor(index, hasher);

    private static int[] tokens(int from, int count) {
        int[] t = new int[count];
        for (int i = 0; i < count; i++) {
            t[i] = from + i;
        }
        return t;
    }

    private static BlockStored stored(long[] hashes, Long parent, int[] tokens, int blockSize, String medium) {
        return new BlockStored(hashes, parent == null ? 0 : parent, parent != null, tokens, blockSize, null, medium,
                null, null, 0, "full_attention", null, null);
    }

    private KvPrefixMatch match(String model, int[] prompt) {
        long[] keys = hasher.requestKeys(model, prompt, prompt.length, null);
        return index.longestPrefix(keys, keys.length);
    }

    @Test
    void storedBlocksAreFoundFromThePromptTokens() {
        ingestor.apply(POD, MODEL, stored(new long[] { 101, 102 }, null, tokens(1000, 8), 4, "GPU"));

        KvPrefixMatch m = match(MODEL, tokens(1000, 10));

        assertThat(m.totalBlocks()).isEqualTo(2);
        assertThat(m.blocks(POD)).isEqualTo(2);
        assertThat(match("other-model", tokens(1000, 10)).blocks(POD)).isZero();
        assertThat(ingestor.blocksStored()).isEqualTo(2);
    }

    @Test
    void aLaterEventContinuesTheChainFromItsParent() {
        ingestor.apply(POD, MODEL, stored(new long[] { 101, 102 }, null, tokens(1000, 8), 4, "GPU"));
        ingestor.apply(POD, MODEL, stored(new long[] { 103 }, 102L, tokens(1008, 4), 4, "GPU"));

        assertThat(match(MODEL, tokens(1000, 12)).blocks(POD)).isEqualTo(3);
    }

    @Test
    void anUnknownParentBreaksTheChainAndTheEventIsDropped() {
        ingestor.apply(POD, MODEL, stored(new long[] { 103 }, 999L, tokens(1008, 4), 4, "GPU"));

        assertThat(index.blockCount()).isZero();
        assertThat(ingestor.droppedBrokenChain()).isEqualTo(1);
    }

    @Test
    void aSparseEventIsDropped() {
        ingestor.apply(POD, MODEL, stored(new long[] { 101, 102 }, null, tokens(1000, 7), 4, "GPU"));

        assertThat(index.blockCount()).isZero();
        assertThat(ingestor.droppedNotDense()).isEqualTo(1);
    }

    @Test
    void theLoraNameIsTheModelOfTheKeys() {
        ingestor.apply(POD, MODEL, new BlockStored(new long[] { 101 }, 0, false, tokens(1000, 4), 4, 3L, "GPU",
                "sql-adapter", List.of(List.of("sql-adapter")), null, null, null, null));

        assertThat(match("sql-adapter", tokens(1000, 4)).blocks(POD)).as("LoRA name in extra keys not folded in")
                .isEqualTo(1);
        assertThat(match(MODEL, tokens(1000, 4)).blocks(POD)).isZero();
    }

    @Test
    void removalsAndClearsFollowTheEngine() {
        ingestor.apply(POD, MODEL, stored(new long[] { 101, 102, 103 }, null, tokens(1000, 12), 4, "GPU"));
        ingestor.apply("10.0.0.2:8000", MODEL, stored(new long[] { 201 }, null, tokens(1000, 4), 4, "GPU"));

        ingestor.apply(POD, MODEL, new BlockRemoved(new long[] { 102 }, "GPU", 0, null));
        assertThat(match(MODEL, tokens(1000, 12)).blocks(POD)).isEqualTo(1);

        ingestor.apply(POD, MODEL, KvEvent.AllBlocksCleared.INSTANCE);
        KvPrefixMatch m = match(MODEL, tokens(1000, 12));
        assertThat(m.blocks(POD)).isZero();
        assertThat(m.blocks("10.0.0.2:8000")).isEqualTo(1);
        assertThat(ingestor.blocksRemoved()).isEqualTo(1);
        assertThat(ingestor.clears()).isEqualTo(1);
    }

    @Test
    void aLocationUpdateWithoutTokensAddsTheCpuTier() {
        ingestor.apply(POD, MODEL, stored(new long[] { 101, 102 }, null, tokens(1000, 8), 4, "GPU"));
        ingestor.apply(POD, MODEL, stored(new long[] { 101, 102, 555 }, null, new int[0], 4, "CPU"));
        ingestor.apply(POD, MODEL, new BlockRemoved(new long[] { 101, 102 }, "GPU", null, null));

        KvPrefixMatch m = match(MODEL, tokens(1000, 8));
        assertThat(m.blocks(POD)).isEqualTo(2);
        assertThat(m.score(POD)).isCloseTo(1.6, within(1e-9));
    }

    @Test
    void groupsThatCacheNoPrefixAreSkipped() {
        ingestor.apply(POD, MODEL, new BlockStored(new long[] { 101 }, 0, false, tokens(1000, 4), 4, null, "GPU",
                null, null, 1, "sliding_window", 512, null));
        assertThat(index.blockCount()).isZero();
        assertThat(ingestor.skippedGroupKind()).isEqualTo(1);

        // A group index without a kind (vLLM builds between the two fields) counts as full attention.
        ingestor.apply(POD, MODEL, new BlockStored(new long[] { 101 }, 0, false, tokens(1000, 4), 4, null, "GPU",
                null, null, 0, null, null, null));
        assertThat(match(MODEL, tokens(1000, 4)).blocks(POD)).isEqualTo(1);
    }

    @Test
    void largerEngineBlocksAreSplitIntoOurs() {
        ingestor.apply(POD, MODEL, stored(new long[] { 101 }, null, tokens(1000, 16), 16, "GPU"));
        ingestor.apply(POD, MODEL, stored(new long[] { 102 }, 101L, tokens(1016, 16), 16, "GPU"));

        assertThat(match(MODEL, tokens(1000, 32)).blocks(POD)).isEqualTo(8);

        ingestor.apply(POD, MODEL, new BlockRemoved(new long[] { 102 }, null, null, null));
        assertThat(match(MODEL, tokens(1000, 32)).blocks(POD)).isEqualTo(4);
    }

    @Test
    void smallerEngineBlocksAreJoinedIntoOurs() {
        BlockKeyHasher big = new BlockKeyHasher(HashAlgorithm.XXH64, 8, "");
        KvEventIngestor ingest = new KvEventIngestor(index, big);
        ingest.apply(POD, MODEL, stored(new long[] { 101, 102, 103, 104 }, null, tokens(1000, 16), 4, "GPU"));
        ingest.apply(POD, MODEL, stored(new long[] { 105, 106 }, 104L, tokens(1016, 8), 4, "GPU"));

        long[] keys = big.requestKeys(MODEL, tokens(1000, 24), 24, null);
        assertThat(index.longestPrefix(keys, keys.length).blocks(POD)).isEqualTo(3);
    }

    @Test
    void extraKeysAreRealignedAndFoldedIntoTheKeys() {
        BlockStored e = new BlockStored(new long[] { 101, 102 }, 0, false, tokens(1000, 8), 4, null, "GPU", null,
                List.of(List.of("img-1"), List.of()), 0, "full_attention", null, null);
        ingestor.apply(POD, MODEL, e);

        long[] keys = new long[2];
        hasher.chainKeys(hasher.rootKey(MODEL), tokens(1000, 8), 8, Arrays.asList(List.of("img-1"), null), keys);
        assertThat(index.longestPrefix(keys, 2).blocks(POD)).isEqualTo(2);
        assertThat(match(MODEL, tokens(1000, 8)).blocks(POD)).as("plain-text keys differ").isZero();
    }

    @Test
    void endToEndFromTheWireFrames() {
        // [ts, [[BlockStored, [0xcf...], nil, [1000..1003], 4, nil, "GPU"]], nil]
        byte[] payload = Bytes.of("93", "cb 41 da a8 db e0 35 1e b8", "91",
                "97", "ab", "'BlockStored", "91 cf 80 00 00 00 00 00 00 01", "c0",
                "94 cd 03 e8 cd 03 e9 cd 03 ea cd 03 eb", "04", "c0", "a3", "'GPU",
                "c0");
        KvEventMessage message = KvEventMessage.of(List.of(("kv@" + POD + "@" + MODEL).getBytes(StandardCharsets.UTF_8),
                KvEventMessage.sequenceFrame(1), payload));

        ingestor.apply(message);

        assertThat(match(MODEL, tokens(1000, 4)).blocks(POD)).isEqualTo(1);
        assertThat(index.requestKey(0x8000000000000001L)).isEqualTo(hasher.requestKeys(MODEL, tokens(1000, 4), 4,
                null)[0]);
    }
}
