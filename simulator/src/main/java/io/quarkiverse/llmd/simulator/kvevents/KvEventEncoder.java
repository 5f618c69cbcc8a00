package io.quarkiverse.llmd.simulator.kvevents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * Encodes one vLLM {@code KVEventBatch} exactly as vLLM's msgspec encoder does (reference kvcache-and-sim.md A1.4-A1.6).
 *
 * <p>
 * The batch is always the positional array {@code [ts float64, [events...], data_parallel_rank int|nil]} (msgspec
 * ignores {@code omit_defaults} for array-like structs, so the rank is sent as nil rather than omitted). Each event is
 * either:
 * <ul>
 * <li><b>array form</b> (default, vLLM before PR #42892): {@code [tag, field...]} with every declared field present.
 * {@code BlockStored} is emitted with 11 elements: tag, {@code block_hashes, parent_block_hash, token_ids, block_size,
 * lora_id, medium, lora_name, extra_keys=nil, group_idx=0, kv_cache_spec_kind="full_attention"}. This is the A1.6
 * layout (a single-group full-attention model); {@code kv_cache_spec_sliding_window} and later fields are not emitted
 * because positional decoders (llm-d) length-guard and a full-attention model has no window.
 * {@code BlockRemoved} is {@code [tag, block_hashes, medium, group_idx=0]}; {@code AllBlocksCleared} is
 * {@code [tag]}.</li>
 * <li><b>map form</b> (vLLM after PR #42892): {@code {"type": tag, ...}} with {@code "type"} first and the other keys
 * in declaration order. Fields declared without a default ({@code parent_block_hash, lora_id, medium, lora_name}) are
 * present even when nil; None-defaulted fields are omitted when None. {@code extra_keys} is a list with one nil per
 * block, {@code group_idx} 0 and {@code kv_cache_spec_kind} "full_attention", as captured from real vLLM 0.26.</li>
 * </ul>
 * Integers use the smallest msgpack form (msgspec does the same); block hashes are unsigned 64-bit, so a hash with the
 * top bit set is written as {@code 0xcf} uint64 rather than msgpack-java's signed {@code 0xd3}.
 *
 * <p>
 * An instance reuses its msgpack buffer between calls and is therefore <b>not thread-safe</b>; the static
 * {@link #encode(double, List, Integer, boolean)} makes a throw-away instance.
 */
public final class KvEventEncoder {

    /** vLLM's tag values: the Python class names. */
    static final String TAG_BLOCK_STORED = "BlockStored";
    static final String TAG_BLOCK_REMOVED = "BlockRemoved";
    static final String TAG_ALL_BLOCKS_CLEARED = "AllBlocksCleared";

    /** A simulated model has one KV-cache group of full attention; these are the values vLLM sends for that. */
    static final int GROUP_IDX = 0;
    static final String KV_CACHE_SPEC_KIND = "full_attention";

    private static final byte UINT64 = (byte) 0xcf;

    // Constant keys and tags are UTF-8 encoded once instead of on every event.
    private static final byte[] T_BLOCK_STORED = utf8(TAG_BLOCK_STORED);
    private static final byte[] T_BLOCK_REMOVED = utf8(TAG_BLOCK_REMOVED);
    private static final byte[] T_ALL_BLOCKS_CLEARED = utf8(TAG_ALL_BLOCKS_CLEARED);
    private static final byte[] V_KV_CACHE_SPEC_KIND = utf8(KV_CACHE_SPEC_KIND);
    private static final byte[] K_TYPE = utf8("type");
    private static final byte[] K_BLOCK_HASHES = utf8("block_hashes");
    private static final byte[] K_PARENT_BLOCK_HASH = utf8("parent_block_hash");
    private static final byte[] K_TOKEN_IDS = utf8("token_ids");
    private static final byte[] K_BLOCK_SIZE = utf8("block_size");
    private static final byte[] K_LORA_ID = utf8("lora_id");
    private static final byte[] K_MEDIUM = utf8("medium");
    private static final byte[] K_LORA_NAME = utf8("lora_name");
    private static final byte[] K_EXTRA_KEYS = utf8("extra_keys");
    private static final byte[] K_GROUP_IDX = utf8("group_idx");
    private static final byte[] K_KV_CACHE_SPEC_KIND = utf8("kv_cache_spec_kind");

    private final boolean mapForm;
    private final MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
    /** Scratch for a {@code 0xcf} uint64: msgpack-java has no unsigned pack for a long without a BigInteger. */
    private final byte[] uint64 = new byte[9];

    /** @param mapForm true for the tagged-map events of vLLM after PR #42892, false for the positional arrays */
    public KvEventEncoder(boolean mapForm) {
        this.mapForm = mapForm;
        uint64[0] = UINT64;
    }

    /** @return true when events are encoded as tagged maps */
    public boolean mapForm() {
        return mapForm;
    }

    /** One-shot convenience: encodes a batch with a fresh encoder. */
    public static byte[] encode(double timestampSeconds, List<KvEvent> events, Integer dataParallelRank,
            boolean mapForm) {
        return new KvEventEncoder(mapForm).encodeBatch(timestampSeconds, events, dataParallelRank);
    }

    /**
     * Encodes one {@code EventBatch}.
     *
     * @param timestampSeconds the batch {@code ts}, seconds since the epoch
     * @param events the events, in order (may be empty, although vLLM never publishes an empty batch)
     * @param dataParallelRank the DP rank, or null to send nil
     * @return the msgpack payload (frame 2 of a live message)
     */
    public byte[] encodeBatch(double timestampSeconds, List<KvEvent> events, Integer dataParallelRank) {
        Objects.requireNonNull(events, "events");
        packer.clear();
        try {
            packer.packArrayHeader(3);
            packer.packDouble(timestampSeconds);
            packer.packArrayHeader(events.size());
            for (KvEvent event : events) {
                packEvent(event);
            }
            if (dataParallelRank == null) {
                packer.packNil();
            } else {
                packer.packInt(dataParallelRank);
            }
            return packer.toByteArray();
        } catch (IOException e) {
            // The buffer packer writes to memory only; an IOException here is a bug, not an I/O condition.
            throw new UncheckedIOException(e);
        }
    }

    private void packEvent(KvEvent event) throws IOException {
        Objects.requireNonNull(event, "event");
        if (event instanceof KvEvent.BlockStored stored) {
            packBlockStored(stored);
        } else if (event instanceof KvEvent.BlockRemoved removed) {
            packBlockRemoved(removed);
        } else if (event instanceof KvEvent.AllBlocksCleared) {
            if (mapForm) {
                packer.packMapHeader(1);
                packConst(K_TYPE);
            } else {
                packer.packArrayHeader(1);
            }
            packConst(T_ALL_BLOCKS_CLEARED);
        } else {
            throw new IllegalArgumentException("Unknown KV event " + event.getClass());
        }
    }

    private void packBlockStored(KvEvent.BlockStored e) throws IOException {
        long[] hashes = Objects.requireNonNull(e.blockHashes(), "blockHashes");
        int[] tokens = Objects.requireNonNull(e.tokenIds(), "tokenIds");
        MessagePacker p = packer;
        if (mapForm) {
            p.packMapHeader(11);
            packConst(K_TYPE);
            packConst(T_BLOCK_STORED);
            packConst(K_BLOCK_HASHES);
            packHashes(hashes);
            packConst(K_PARENT_BLOCK_HASH);
            packNullableHash(e.parentBlockHash());
            packConst(K_TOKEN_IDS);
            packTokens(tokens);
            packConst(K_BLOCK_SIZE).packInt(e.blockSize());
            packConst(K_LORA_ID);
            packNullableInt(e.loraId());
            packConst(K_MEDIUM);
            packNullableString(e.medium());
            packConst(K_LORA_NAME);
            packNullableString(e.loraName());
            // vLLM 0.26 sends one nil per block for plain-text requests (no mm/lora/salt extra keys).
            packConst(K_EXTRA_KEYS).packArrayHeader(hashes.length);
            for (int i = 0; i < hashes.length; i++) {
                p.packNil();
            }
            packConst(K_GROUP_IDX).packInt(GROUP_IDX);
            packConst(K_KV_CACHE_SPEC_KIND);
            packConst(V_KV_CACHE_SPEC_KIND);
        } else {
            p.packArrayHeader(11);
            packConst(T_BLOCK_STORED);
            packHashes(hashes);
            packNullableHash(e.parentBlockHash());
            packTokens(tokens);
            p.packInt(e.blockSize());
            packNullableInt(e.loraId());
            packNullableString(e.medium());
            packNullableString(e.loraName());
            p.packNil(); // extra_keys, as in the A1.6 array-form layout
            p.packInt(GROUP_IDX);
            packConst(V_KV_CACHE_SPEC_KIND);
        }
    }

    private void packBlockRemoved(KvEvent.BlockRemoved e) throws IOException {
        long[] hashes = Objects.requireNonNull(e.blockHashes(), "blockHashes");
        MessagePacker p = packer;
        if (mapForm) {
            p.packMapHeader(4);
            packConst(K_TYPE);
            packConst(T_BLOCK_REMOVED);
            packConst(K_BLOCK_HASHES);
            packHashes(hashes);
            packConst(K_MEDIUM);
            packNullableString(e.medium());
            packConst(K_GROUP_IDX).packInt(GROUP_IDX);
        } else {
            p.packArrayHeader(4);
            packConst(T_BLOCK_REMOVED);
            packHashes(hashes);
            packNullableString(e.medium());
            p.packInt(GROUP_IDX);
        }
    }

    private void packHashes(long[] hashes) throws IOException {
        packer.packArrayHeader(hashes.length);
        for (long h : hashes) {
            packUnsigned64(h);
        }
    }

    private void packTokens(int[] tokens) throws IOException {
        packer.packArrayHeader(tokens.length);
        for (int t : tokens) {
            packer.packInt(t);
        }
    }

    private void packNullableHash(Long hash) throws IOException {
        if (hash == null) {
            packer.packNil();
        } else {
            packUnsigned64(hash);
        }
    }

    /**
     * Writes {@code value} read as unsigned. Non-negative longs go through packLong, whose positive branch already
     * picks the smallest unsigned form (fixint, 0xcc..0xcf) exactly like msgspec; negative longs are hashes of 2^63 or
     * more and must be 0xcf followed by the 8 raw bytes.
     */
    private void packUnsigned64(long value) throws IOException {
        if (value >= 0) {
            packer.packLong(value);
            return;
        }
        byte[] b = uint64;
        for (int i = 8; i >= 1; i--) {
            b[i] = (byte) value;
            value >>>= 8;
        }
        packer.writePayload(b, 0, 9);
    }

    /** Writes a pre-encoded string: the same str header msgpack-java's packString would choose, then the bytes. */
    private MessagePacker packConst(byte[] utf8) throws IOException {
        return packer.packRawStringHeader(utf8.length).writePayload(utf8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void packNullableInt(Integer value) throws IOException {
        if (value == null) {
            packer.packNil();
        } else {
            packer.packInt(value);
        }
    }

    private void packNullableString(String value) throws IOException {
        if (value == null) {
            packer.packNil();
        } else {
            packer.packString(value);
        }
    }
}
