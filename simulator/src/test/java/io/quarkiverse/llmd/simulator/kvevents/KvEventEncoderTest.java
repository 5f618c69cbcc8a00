package io.quarkiverse.llmd.simulator.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Byte-exact checks of {@link KvEventEncoder} against vectors written by hand from the msgpack / msgspec rules
 * (kvcache-and-sim.md A1.4-A1.6), and round trips through the independent {@link TestKvEventDecoder}.
 */
class KvEventEncoderTest {

    /** 15760518052499183552, the hash in the real vLLM 0.26 capture of A1.6; top bit set, so uint64 0xcf. */
    private static final long CAPTURED_HASH = 0xdab89baa7b5857c0L;
    /** 1789095808.5 as IEEE-754 binary64: exactly representable, so the vector has no rounding question. */
    private static final double TS = 1789095808.5;
    private static final String TS_HEX = "cb 41daa8dbe0200000";
    private static final String TOKENS_0_TO_15 = "dc 0010 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f";

    private static KvEvent.BlockStored a16Example() {
        return new KvEvent.BlockStored(new long[] { CAPTURED_HASH }, null, IntStream.range(0, 16).toArray(), 16, null,
                "GPU", null);
    }

    @Test
    void a16ExampleArrayForm() {
        byte[] expected = bytes(
                "93", TS_HEX, //             EventBatch fixarray(3), ts float64
                "91", //                     events fixarray(1)
                "9b ab 'BlockStored'", //    BlockStored fixarray(11): tag + 10 fields
                "91 cf dab89baa7b5857c0", // block_hashes = [uint64]
                "c0", //                     parent_block_hash = None
                TOKENS_0_TO_15, //           token_ids = array16(16)
                "10", //                     block_size = 16
                "c0", //                     lora_id
                "a3 'GPU'", //               medium
                "c0", //                     lora_name
                "c0", //                     extra_keys
                "00", //                     group_idx = 0
                "ae 'full_attention'", //    kv_cache_spec_kind
                "00"); //                    data_parallel_rank = 0
        assertThat(hex(KvEventEncoder.encode(TS, List.of(a16Example()), 0, false))).isEqualTo(hex(expected));
    }

    @Test
    void a16ExampleMapForm() {
        byte[] expected = bytes(
                "93", TS_HEX, "91",
                "8b", //                                 fixmap(11), "type" first, declaration order after it
                "a4 'type' ab 'BlockStored'",
                "ac 'block_hashes' 91 cf dab89baa7b5857c0",
                "b1 'parent_block_hash' c0", //          no default: present even when None
                "a9 'token_ids'", TOKENS_0_TO_15,
                "aa 'block_size' 10",
                "a7 'lora_id' c0",
                "a6 'medium' a3 'GPU'",
                "a9 'lora_name' c0",
                "aa 'extra_keys' 91 c0", //              one None per block, as vLLM 0.26 sends
                "a9 'group_idx' 00",
                "b2 'kv_cache_spec_kind' ae 'full_attention'",
                "00");
        assertThat(hex(KvEventEncoder.encode(TS, List.of(a16Example()), 0, true))).isEqualTo(hex(expected));
    }

    /** Three event kinds, every smallest-int form, hashes on both sides of 2^63, nil rank. */
    private static List<KvEvent> mixedBatch() {
        return List.of(
                new KvEvent.BlockStored(new long[] { 5, 0x1234, 1L << 32 }, -1L,
                        new int[] { 127, 128, 255, 256, 65535, 151644 }, 2, 300, "CPU", "sql-lora"),
                new KvEvent.BlockRemoved(new long[] { Long.MIN_VALUE }, "GPU"),
                new KvEvent.AllBlocksCleared());
    }

    private static final String MIXED_HASHES = "93 05 cd 1234 cf 0000000100000000";
    private static final String MIXED_PARENT = "cf ffffffffffffffff"; // 2^64-1, not int64 -1 (d3 / ff)
    private static final String MIXED_TOKENS = "96 7f cc 80 cc ff cd 0100 cd ffff ce 0002505c";

    @Test
    void mixedBatchArrayForm() {
        byte[] expected = bytes(
                "93 cb 3ff8000000000000", // ts = 1.5
                "93",
                "9b ab 'BlockStored'", MIXED_HASHES, MIXED_PARENT, MIXED_TOKENS,
                "02", //                  block_size
                "cd 012c", //             lora_id = 300
                "a3 'CPU' a8 'sql-lora'",
                "c0 00 ae 'full_attention'",
                "94 ac 'BlockRemoved' 91 cf 8000000000000000 a3 'GPU' 00",
                "91 b0 'AllBlocksCleared'",
                "c0"); //                 data_parallel_rank = None
        assertThat(hex(KvEventEncoder.encode(1.5, mixedBatch(), null, false))).isEqualTo(hex(expected));
    }

    @Test
    void mixedBatchMapForm() {
        byte[] expected = bytes(
                "93 cb 3ff8000000000000 93",
                "8b a4 'type' ab 'BlockStored'",
                "ac 'block_hashes'", MIXED_HASHES,
                "b1 'parent_block_hash'", MIXED_PARENT,
                "a9 'token_ids'", MIXED_TOKENS,
                "aa 'block_size' 02",
                "a7 'lora_id' cd 012c",
                "a6 'medium' a3 'CPU'",
                "a9 'lora_name' a8 'sql-lora'",
                "aa 'extra_keys' 93 c0 c0 c0",
                "a9 'group_idx' 00",
                "b2 'kv_cache_spec_kind' ae 'full_attention'",
                "84 a4 'type' ac 'BlockRemoved' ac 'block_hashes' 91 cf 8000000000000000 a6 'medium' a3 'GPU'",
                "a9 'group_idx' 00",
                "81 a4 'type' b0 'AllBlocksCleared'",
                "c0");
        assertThat(hex(KvEventEncoder.encode(1.5, mixedBatch(), null, true))).isEqualTo(hex(expected));
    }

    @Test
    void str8NilMediumEmptyListsAndLargeRank() {
        String longName = "a".repeat(40);
        List<KvEvent> events = List.of(
                new KvEvent.BlockStored(new long[0], null, new int[0], 16, 1, null, longName),
                new KvEvent.BlockRemoved(new long[] { 0, 127, 128 }, null));
        byte[] expected = bytes(
                "93 cb 0000000000000000 92",
                "9b ab 'BlockStored' 90 c0 90 10 01 c0",
                "d9 28 '" + longName + "'", // str8 from 32 chars on
                "c0 00 ae 'full_attention'",
                "94 ac 'BlockRemoved' 93 00 7f cc 80 c0 00",
                "cd 0100"); //                 data_parallel_rank = 256
        assertThat(hex(KvEventEncoder.encode(0.0, events, 256, false))).isEqualTo(hex(expected));
    }

    @Test
    void instanceIsReusableAndCarriesNoStateBetweenBatches() {
        KvEventEncoder encoder = new KvEventEncoder(false);
        byte[] first = encoder.encodeBatch(1.5, mixedBatch(), null);
        byte[] other = encoder.encodeBatch(TS, List.of(a16Example()), 0);
        byte[] again = encoder.encodeBatch(1.5, mixedBatch(), null);
        assertThat(again).isEqualTo(first);
        assertThat(other).isEqualTo(KvEventEncoder.encode(TS, List.of(a16Example()), 0, false));
        assertThat(encoder.mapForm()).isFalse();
    }

    @Test
    void rejectsNullArrays() {
        KvEventEncoder encoder = new KvEventEncoder(true);
        List<KvEvent> bad = List.of(new KvEvent.BlockStored(null, null, new int[0], 16, null, "GPU", null));
        assertThatThrownBy(() -> encoder.encodeBatch(0, bad, null)).isInstanceOf(NullPointerException.class);
        // The failure leaves the reusable buffer usable.
        assertThat(TestKvEventDecoder.decode(encoder.encodeBatch(1.5, mixedBatch(), null)).events()).hasSize(3);
    }

    @Test
    void randomRoundTripsThroughIndependentDecoder() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            boolean mapForm = random.nextBoolean();
            List<KvEvent> events = new ArrayList<>();
            int n = 1 + random.nextInt(5);
            for (int i = 0; i < n; i++) {
                events.add(randomEvent(random));
            }
            double ts = 1.7e9 + random.nextDouble() * 1e8;
            Integer rank = random.nextBoolean() ? null : random.nextInt(70_000);

            TestKvEventDecoder.Batch batch = TestKvEventDecoder
                    .decode(KvEventEncoder.encode(ts, events, rank, mapForm));

            assertThat(batch.ts()).isEqualTo(ts);
            assertThat(batch.dataParallelRank()).isEqualTo(rank);
            assertThat(batch.events()).hasSameSizeAs(events);
            for (int i = 0; i < n; i++) {
                TestKvEventDecoder.Event decoded = batch.events().get(i);
                KvEvent original = events.get(i);
                assertThat(decoded.event()).usingRecursiveComparison().isEqualTo(original);
                assertThat(decoded.mapForm()).isEqualTo(mapForm);
                assertTrailingFields(decoded, original, mapForm);
            }
        }
    }

    private static void assertTrailingFields(TestKvEventDecoder.Event decoded, KvEvent original, boolean mapForm) {
        if (original instanceof KvEvent.BlockStored stored) {
            assertThat(decoded.groupIdx()).isZero();
            assertThat(decoded.kvCacheSpecKind()).isEqualTo("full_attention");
            if (mapForm) {
                assertThat(decoded.keys()).containsExactly("type", "block_hashes", "parent_block_hash", "token_ids",
                        "block_size", "lora_id", "medium", "lora_name", "extra_keys", "group_idx",
                        "kv_cache_spec_kind");
                assertThat(decoded.extraKeys().asArrayValue().list()).hasSize(stored.blockHashes().length)
                        .allMatch(v -> v.isNilValue());
            } else {
                assertThat(decoded.arity()).isEqualTo(11);
                assertThat(decoded.extraKeys()).isNull();
            }
        } else if (original instanceof KvEvent.BlockRemoved) {
            assertThat(decoded.groupIdx()).isZero();
            if (mapForm) {
                assertThat(decoded.keys()).containsExactly("type", "block_hashes", "medium", "group_idx");
            } else {
                assertThat(decoded.arity()).isEqualTo(4);
            }
        } else if (mapForm) {
            assertThat(decoded.keys()).containsExactly("type");
        } else {
            assertThat(decoded.arity()).isEqualTo(1);
        }
    }

    private static KvEvent randomEvent(Random r) {
        int kind = r.nextInt(10);
        if (kind < 6) {
            int blocks = 1 + r.nextInt(4);
            int blockSize = new int[] { 1, 16, 17, 64 }[r.nextInt(4)];
            long[] hashes = randomHashes(r, blocks);
            int[] tokens = r.ints(blocks * blockSize, 0, 300_000).toArray();
            Long parent = r.nextBoolean() ? null : randomHash(r);
            Integer loraId = r.nextInt(3) == 0 ? r.nextInt(100_000) : null;
            String medium = new String[] { "GPU", "CPU", null }[r.nextInt(3)];
            String loraName = r.nextInt(3) == 0 ? "lora-" + "x".repeat(r.nextInt(40)) : null;
            return new KvEvent.BlockStored(hashes, parent, tokens, blockSize, loraId, medium, loraName);
        }
        if (kind < 9) {
            return new KvEvent.BlockRemoved(randomHashes(r, 1 + r.nextInt(3)), r.nextBoolean() ? "GPU" : null);
        }
        return new KvEvent.AllBlocksCleared();
    }

    private static long[] randomHashes(Random r, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = randomHash(r);
        }
        return out;
    }

    /** Mostly full-range 64-bit values (half of them >= 2^63), sometimes small ones to hit the short int forms. */
    private static long randomHash(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(1 << 16);
            case 1 -> Long.MIN_VALUE | r.nextLong(); // top bit set: uint64 >= 2^63
            default -> r.nextLong();
        };
    }

    @Test
    void largeBlocksUseArray16AndArray32() {
        int[] tokens = IntStream.range(0, 70_000).toArray();
        List<KvEvent> events = List.of(new KvEvent.BlockStored(new long[] { -2L }, 7L, tokens, 70_000, null, "GPU",
                null));
        byte[] payload = KvEventEncoder.encode(2.0, events, null, false);
        // 93 cb <8> 91 9b ab 'BlockStored'(11) 91 cf <8> 07 | token_ids header: array32 (dd) with 70000 = 0x00011170
        int tokenHeader = 1 + 9 + 1 + 1 + 12 + 1 + 9 + 1;
        assertThat(hex(java.util.Arrays.copyOfRange(payload, tokenHeader, tokenHeader + 5))).isEqualTo("dd00011170");
        KvEvent decoded = TestKvEventDecoder.decode(payload).events().get(0).event();
        assertThat(decoded).usingRecursiveComparison().isEqualTo(events.get(0));
    }

    // --- hand-written vector notation: hex bytes separated by spaces, 'text' for its UTF-8 bytes -------------------

    static byte[] bytes(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            int i = 0;
            while (i < part.length()) {
                char c = part.charAt(i);
                if (c == ' ') {
                    i++;
                } else if (c == '\'') {
                    int end = part.indexOf('\'', i + 1);
                    out.writeBytes(part.substring(i + 1, end).getBytes(StandardCharsets.UTF_8));
                    i = end + 1;
                } else {
                    int end = part.indexOf(' ', i);
                    end = end < 0 ? part.length() : end;
                    out.writeBytes(HexFormat.of().parseHex(part.substring(i, end)));
                    i = end;
                }
            }
        }
        return out.toByteArray();
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void vectorNotationParsesAsIntended() {
        assertThat(bytes("ab 'BlockStored'", "cf 00ff")).containsExactly(0xab, 'B', 'l', 'o', 'c', 'k', 'S', 't',
                'o', 'r', 'e', 'd', 0xcf, 0x00, 0xff);
    }
}
