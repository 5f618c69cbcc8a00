package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.kvcache.KvEvent.AllBlocksCleared;
import io.quarkiverse.llmd.engine.kvcache.KvEvent.BlockRemoved;
import io.quarkiverse.llmd.engine.kvcache.KvEvent.BlockStored;

/** Hand-written msgpack vectors following kvcache-and-sim.md A1.4 to A1.6. */
class KvEventDecoderTest {

    /** ts = 1789095808.83 as a float64. */
    private static final String TS = "cb " + Long.toHexString(Double.doubleToLongBits(1789095808.83));
    /** 16 token ids 1..16 as positive fixints in an array16. */
    private static final String TOKENS_16 = "dc 00 10 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10";
    private static final long HASH = 0xDAB8_9BAA_7B58_57C0L; // 15760518052499183552, above 2^63

    @Test
    void arrayFormBlockStoredAsInTheReferenceExample() {
        byte[] payload = Bytes.of(
                "93", TS,
                "91",
                "9b", "ab", "'BlockStored",
                "91 cf da b8 9b aa 7b 58 57 c0",
                "c0",
                TOKENS_16,
                "10",
                "c0",
                "a3", "'GPU",
                "c0",
                "c0",
                "00",
                "ae", "'full_attention",
                "00");

        KvEventBatch batch = KvEventDecoder.decode(payload);

        assertThat(batch.timestamp()).isEqualTo(1789095808.83);
        assertThat(batch.dataParallelRank()).isZero();
        assertThat(batch.events()).hasSize(1);
        BlockStored e = (BlockStored) batch.events().get(0);
        assertThat(e.blockHashes()).containsExactly(HASH);
        assertThat(Long.toUnsignedString(e.blockHashes()[0])).isEqualTo("15760518052499183552");
        assertThat(e.hasParent()).isFalse();
        assertThat(e.tokenIds()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        assertThat(e.blockSize()).isEqualTo(16);
        assertThat(e.loraId()).isNull();
        assertThat(e.medium()).isEqualTo("GPU");
        assertThat(e.tier()).isEqualTo("gpu");
        assertThat(e.loraName()).isNull();
        assertThat(e.extraKeys()).isNull();
        assertThat(e.groupIdx()).isZero();
        assertThat(e.kvCacheSpecKind()).isEqualTo("full_attention");
        assertThat(e.kvCacheSpecSlidingWindow()).isNull();
        assertThat(e.locality()).isNull();
    }

    @Test
    void arrayFormWithEveryFieldIncludingNewerOnesAndUnknownTrailingOnes() {
        byte[] payload = Bytes.of(
                "93", TS, "91",
                "dc 00 0e", "ab", "'BlockStored", // 14 elements: tag + 12 known fields + 1 unknown
                "92 01 cd 01 2c", // hashes 1 and 300
                "cf ff ff ff ff ff ff ff fe", // parent 2^64-2
                "dc 00 04 01 cc 80 cd 01 00 ce 00 01 11 70", // tokens 1, 128, 256, 70000
                "02", // block size 2
                "07", // lora_id 7
                "a3", "'CPU",
                "a6", "'adapt1",
                "92 91 a4", "'mm01", "c0", // extra_keys [["mm01"], None]
                "01", // group_idx
                "ae", "'sliding_window",
                "cd 04 00", // window 1024
                "a5", "'local",
                "c3", // unknown 13th field: ignored
                "c0");

        BlockStored e = (BlockStored) KvEventDecoder.decode(payload).events().get(0);

        assertThat(e.blockHashes()).containsExactly(1L, 300L);
        assertThat(e.hasParent()).isTrue();
        assertThat(Long.toUnsignedString(e.parentBlockHash())).isEqualTo("18446744073709551614");
        assertThat(e.tokenIds()).containsExactly(1, 128, 256, 70000);
        assertThat(e.blockSize()).isEqualTo(2);
        assertThat(e.loraId()).isEqualTo(7L);
        assertThat(e.tier()).isEqualTo("cpu");
        assertThat(e.loraName()).isEqualTo("adapt1");
        assertThat(e.extraKeys()).containsExactly(List.of("mm01"), null);
        assertThat(e.groupIdx()).isEqualTo(1);
        assertThat(e.kvCacheSpecKind()).isEqualTo("sliding_window");
        assertThat(e.kvCacheSpecSlidingWindow()).isEqualTo(1024);
        assertThat(e.locality()).isEqualTo("local");
    }

    @Test
    void oldVllmFormsTwoElementBatchAndFourFieldBlockStored() {
        byte[] payload = Bytes.of(
                "92", TS,
                "91", "95", "ab", "'BlockStored", "91 05", "03", "92 0a 0b", "02");

        KvEventBatch batch = KvEventDecoder.decode(payload);

        assertThat(batch.dataParallelRank()).isNull();
        BlockStored e = (BlockStored) batch.events().get(0);
        assertThat(e.blockHashes()).containsExactly(5L);
        assertThat(e.hasParent()).isTrue();
        assertThat(e.parentBlockHash()).isEqualTo(3L);
        assertThat(e.tokenIds()).containsExactly(10, 11);
        assertThat(e.medium()).isNull();
        assertThat(e.tier()).isEqualTo("gpu");
    }

    @Test
    void mapFormEventAsCapturedFromVllm026InAnyKeyOrder() {
        byte[] payload = Bytes.of(
                "93", TS, "91",
                "8c", // fixmap(12)
                "a4", "'type", "ab", "'BlockStored",
                "ac", "'block_hashes", "91 cf da b8 9b aa 7b 58 57 c0",
                "b1", "'parent_block_hash", "c0",
                "a9", "'token_ids", TOKENS_16,
                "aa", "'block_size", "10",
                "a7", "'lora_id", "c0",
                "a6", "'medium", "a3", "'GPU",
                "a9", "'lora_name", "c0",
                "aa", "'extra_keys", "91 c0",
                "a9", "'group_idx", "00",
                "b2", "'kv_cache_spec_kind", "ae", "'full_attention",
                "a9", "'brand_new", "81 a1", "'x", "92 01 02", // unknown key with a nested value: ignored
                "00");
        byte[] reordered = Bytes.of(
                "93", TS, "91",
                "85",
                "a9", "'token_ids", TOKENS_16,
                "ac", "'block_hashes", "91 cf da b8 9b aa 7b 58 57 c0",
                "aa", "'block_size", "10",
                "a4", "'type", "ab", "'BlockStored",
                "a6", "'medium", "a3", "'GPU",
                "c0");

        BlockStored e = (BlockStored) KvEventDecoder.decode(payload).events().get(0);
        BlockStored r = (BlockStored) KvEventDecoder.decode(reordered).events().get(0);

        assertThat(e.blockHashes()).containsExactly(HASH);
        assertThat(e.hasParent()).isFalse();
        assertThat(e.tokenIds()).hasSize(16);
        assertThat(e.extraKeys()).containsExactly((List<String>) null);
        assertThat(e.groupIdx()).isZero();
        assertThat(e.kvCacheSpecKind()).isEqualTo("full_attention");
        assertThat(r.blockHashes()).containsExactly(HASH);
        assertThat(r.tokenIds()).isEqualTo(e.tokenIds());
        assertThat(r.blockSize()).isEqualTo(16);
        assertThat(r.groupIdx()).isNull();
        assertThat(r.tier()).isEqualTo("gpu");
    }

    @Test
    void blockRemovedAndAllBlocksClearedInBothForms() {
        byte[] payload = Bytes.of(
                "93", TS,
                "94",
                "94", "ac", "'BlockRemoved", "92 cf da b8 9b aa 7b 58 57 c0 2a", "a3", "'GPU", "c0",
                "83", "a4", "'type", "ac", "'BlockRemoved", "ac", "'block_hashes", "91 07", "a6", "'medium",
                "a3", "'CPU",
                "91", "b0", "'AllBlocksCleared",
                "81", "a4", "'type", "b0", "'AllBlocksCleared",
                "c0");

        List<KvEvent> events = KvEventDecoder.decode(payload).events();

        assertThat(events).hasSize(4);
        BlockRemoved array = (BlockRemoved) events.get(0);
        assertThat(array.blockHashes()).containsExactly(HASH, 42L);
        assertThat(array.tier()).isEqualTo("gpu");
        assertThat(array.groupIdx()).isNull();
        BlockRemoved map = (BlockRemoved) events.get(1);
        assertThat(map.blockHashes()).containsExactly(7L);
        assertThat(map.tier()).isEqualTo("cpu");
        assertThat(events.get(2)).isInstanceOf(AllBlocksCleared.class);
        assertThat(events.get(3)).isInstanceOf(AllBlocksCleared.class);
    }

    @Test
    void batchAsAMapWithUnknownKeys() {
        byte[] payload = Bytes.of(
                "84",
                "a6", "'events", "91 91", "b0", "'AllBlocksCleared",
                "a5", "'extra", "93 01 02 03",
                "b2", "'data_parallel_rank", "03",
                "a2", "'ts", TS);

        KvEventBatch batch = KvEventDecoder.decode(payload);

        assertThat(batch.timestamp()).isEqualTo(1789095808.83);
        assertThat(batch.dataParallelRank()).isEqualTo(3);
        assertThat(batch.events()).containsExactly(AllBlocksCleared.INSTANCE);
    }

    @Test
    void hashEncodings() {
        byte[] payload = Bytes.of(
                "93", TS, "91",
                "92", "ac", "'BlockRemoved",
                "97",
                "05", // positive fixint
                "ce ff ff ff ff", // uint32
                "d3 ff ff ff ff ff ff ff fe", // int64 -2: taken bit for bit
                "ff", // negative fixint -1
                "c4 20", Bytes.repeat("aa", 24), "01 02 03 04 05 06 07 08", // 32-byte digest: last 8 bytes BE
                "c4 03 01 02 03", // short bytes: left-padded
                "c5 00 08 00 00 00 00 00 00 01 00", // bin16 of 8 bytes
                "c0");

        BlockRemoved e = (BlockRemoved) KvEventDecoder.decode(payload).events().get(0);

        assertThat(e.blockHashes()).containsExactly(5L, 0xFFFF_FFFFL, -2L, -1L, 0x0102030405060708L, 0x010203L,
                256L);
    }

    @Test
    void extraKeysKeepStringsAndTheStringOfStringIntPairs() {
        byte[] payload = Bytes.of(
                "93", TS, "91",
                "99", "ab", "'BlockStored", "92 01 02", "c0", "92 01 02", "01", "c0", "c0", "c0",
                "92",
                "94", "a2", "'m1", "92 a2", "'m2", "05", "07", "c4 01 00", // "m1", ["m2", 5], 7, b"\0"
                "90",
                "c0");

        BlockStored e = (BlockStored) KvEventDecoder.decode(payload).events().get(0);

        assertThat(e.extraKeys()).containsExactly(List.of("m1", "m2"), List.of());
    }

    @Test
    void longStringsAndArraysUseTheirWideHeaders() {
        String model = "x".repeat(40);
        byte[] payload = Bytes.of(
                "93", TS, "91",
                "98", "ab", "'BlockStored", "dd 00 00 00 01 01", "c0", "dd 00 00 00 00",
                "00", "c0", "c0", "d9 28", "'" + model,
                "c0");

        BlockStored e = (BlockStored) KvEventDecoder.decode(payload).events().get(0);

        assertThat(e.blockHashes()).containsExactly(1L);
        assertThat(e.tokenIds()).isEmpty();
        assertThat(e.loraName()).isEqualTo(model);
    }

    // ------------------------------------------------------------------------------------------ hostile input

    @Test
    void truncatedInputIsRejectedAtEveryCut() {
        byte[] payload = Bytes.of(
                "93", TS, "91", "9b", "ab", "'BlockStored", "91 cf da b8 9b aa 7b 58 57 c0", "c0", TOKENS_16,
                "10", "c0", "a3", "'GPU", "c0", "c0", "00", "ae", "'full_attention", "00");
        for (int cut = 0; cut < payload.length; cut++) {
            byte[] prefix = Arrays.copyOf(payload, cut);
            assertThatThrownBy(() -> KvEventDecoder.decode(prefix)).as("cut at %d", cut)
                    .isInstanceOf(KvEventDecodeException.class);
        }
    }

    @Test
    void aHugeArrayLengthIsRejectedBeforeAnyAllocation() {
        byte[] payload = Bytes.of("93", TS, "dd 7f ff ff ff", "00");

        assertThatThrownBy(() -> KvEventDecoder.decode(payload)).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("length 2147483647 exceeds");
    }

    @Test
    void hugeTokenAndHashArraysAndStringsAreRejected() {
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "95", "ab", "'BlockStored",
                "dd ff ff ff ff"))).isInstanceOf(KvEventDecodeException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "95", "ab", "'BlockStored",
                "91 01", "c0", "dc ff ff"))).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("exceeds");
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "92", "db ff ff ff f0")))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "df 7f ff ff ff")))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("exceeds");
    }

    @Test
    void aNestingBombInAnIgnoredValueIsRejected() {
        String bomb = Bytes.repeat("91", 10_000) + "00";
        byte[] payload = Bytes.of("83", "a6", "'events", "90", "a2", "'ts", TS, "a1", "'z", bomb);

        assertThatThrownBy(() -> KvEventDecoder.decode(payload)).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("nested deeper");
    }

    /**
     * A small in-test fuzzer: random mutations of valid payloads (byte flips, cuts, inserted huge lengths and deep
     * nesting) either decode or fail with {@link KvEventDecodeException}; nothing else may escape.
     */
    @Test
    void mutatedPayloadsOnlyEverFailWithADecodeException() {
        byte[][] seeds = {
                Bytes.of("93", TS, "92", "9b", "ab", "'BlockStored", "91 cf da b8 9b aa 7b 58 57 c0", "c0",
                        TOKENS_16, "10", "c0", "a3", "'GPU", "c0", "91 c0", "00", "ae", "'full_attention",
                        "94", "ac", "'BlockRemoved", "91 05", "a3", "'GPU", "c0", "00"),
                Bytes.of("93", TS, "92",
                        "85", "a4", "'type", "ab", "'BlockStored", "ac", "'block_hashes", "92 01 c4 02 01 02",
                        "a9", "'token_ids", "92 01 02", "aa", "'block_size", "01", "aa", "'extra_keys",
                        "92 91 a1", "'a", "91 92 a1", "'b", "05",
                        "81", "a4", "'type", "b0", "'AllBlocksCleared", "c0"),
        };
        String[] inserts = { "dd 7f ff ff ff", "df 7f ff ff ff", "db 7f ff ff ff", "c6 7f ff ff ff",
            Bytes.repeat("91", 64), "c1", "cf ff ff ff ff ff ff ff ff", "d3 80 00 00 00 00 00 00 00" };
        java.util.SplittableRandom random = new java.util.SplittableRandom(2026);
        int decoded = 0;
        for (int round = 0; round < 10_000; round++) {
            byte[] seed = seeds[random.nextInt(seeds.length)];
            byte[] input = seed.clone();
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                switch (random.nextInt(3)) {
                    case 0 -> input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                    case 1 -> input = Arrays.copyOf(input, random.nextInt(input.length + 1));
                    default -> {
                        byte[] insert = Bytes.of(inserts[random.nextInt(inserts.length)]);
                        int at = random.nextInt(input.length + 1);
                        byte[] grown = new byte[input.length + insert.length];
                        System.arraycopy(input, 0, grown, 0, at);
                        System.arraycopy(insert, 0, grown, at, insert.length);
                        System.arraycopy(input, at, grown, at + insert.length, input.length - at);
                        input = grown;
                    }
                }
                if (input.length == 0) {
                    break;
                }
            }
            try {
                KvEventDecoder.decode(input);
                decoded++;
            } catch (KvEventDecodeException expected) {
                // the only failure allowed
            }
        }
        assertThat(decoded).as("some mutations stay valid").isPositive();
    }

    @Test
    void unknownTagRejectsTheWholeBatch() {
        byte[] payload = Bytes.of("93", TS, "92", "91", "b0", "'AllBlocksCleared", "91", "a4", "'Nope", "c0");

        assertThatThrownBy(() -> KvEventDecoder.decode(payload)).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("unknown event tag");
    }

    @Test
    void structuralErrorsAreRejected() {
        // BlockStored needs at least four fields.
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "94", "ab", "'BlockStored",
                "91 01", "c0", "90", "c0"))).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("at least 4 fields");
        // Negative group index.
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "9a", "ab", "'BlockStored",
                "91 01", "c0", "90", "10", "c0", "c0", "c0", "c0", "ff", "c0")))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("group_idx");
        // A negative token id.
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "95", "ab", "'BlockStored",
                "91 01", "c0", "91 ff", "01"))).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("token id");
        // A map event without a type.
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "81", "ac", "'block_hashes",
                "90", "c0"))).isInstanceOf(KvEventDecodeException.class).hasMessageContaining("without 'type'");
        // Trailing garbage, a batch that is not a container, a reserved format byte.
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("92", TS, "90", "00")))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("05")))
                .isInstanceOf(KvEventDecodeException.class);
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("84", "a1", "'z", "c1", "a6", "'events", "90")))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("invalid");
        // A string where the hashes belong.
        assertThatThrownBy(() -> KvEventDecoder.decode(Bytes.of("93", TS, "91", "92", "ac", "'BlockRemoved",
                "91 a1", "'x", "c0"))).isInstanceOf(KvEventDecodeException.class)
                .hasMessageContaining("block hash");
        assertThatThrownBy(() -> KvEventDecoder.decode(new byte[0])).isInstanceOf(KvEventDecodeException.class);
    }
}
