package io.quarkiverse.llmd.engine.kvcache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Decodes the msgpack payload of a vLLM KV-event message (reference kvcache-and-sim.md A1.4, A1.5, A1.8) with a
 * small reader of our own: no msgpack library, no intermediate value tree.
 * <ul>
 * <li>The batch is an array {@code [ts, events, data_parallel_rank]} (two elements from very old vLLM, extra
 * trailing elements ignored) or a map with those keys.</li>
 * <li>Each event is a positional array {@code [tag, field...]} (vLLM before the map change; fields missing at the
 * end are None, extra ones ignored) or a tagged map {@code {"type": tag, field: value...}} in any key order, with
 * unknown keys ignored and missing keys None.</li>
 * <li>Block hashes are integers read as unsigned 64-bit (int64 is taken bit for bit) or byte strings (last 8 bytes,
 * big-endian).</li>
 * <li>An unknown tag, a wrong type, a BlockStored with fewer than four fields, a negative group index or any length
 * the payload cannot hold rejects the whole payload with a {@link KvEventDecodeException}. Allocation is bounded
 * by a small multiple of the payload size.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class KvEventDecoder {

    private static final byte[] BLOCK_STORED = ascii("BlockStored");
    private static final byte[] BLOCK_REMOVED = ascii("BlockRemoved");
    private static final byte[] ALL_BLOCKS_CLEARED = ascii("AllBlocksCleared");

    private static final byte[] TS = ascii("ts");
    private static final byte[] EVENTS = ascii("events");
    private static final byte[] DATA_PARALLEL_RANK = ascii("data_parallel_rank");

    /** Event map keys, in BlockStored's positional order; BlockRemoved uses a subset. */
    private static final byte[][] FIELD_NAMES = {
            ascii("type"),
            ascii("block_hashes"),
            ascii("parent_block_hash"),
            ascii("token_ids"),
            ascii("block_size"),
            ascii("lora_id"),
            ascii("medium"),
            ascii("lora_name"),
            ascii("extra_keys"),
            ascii("group_idx"),
            ascii("kv_cache_spec_kind"),
            ascii("kv_cache_spec_sliding_window"),
            ascii("locality"),
    };
    private static final int F_TYPE = 0;
    private static final int F_BLOCK_HASHES = 1;
    private static final int F_PARENT = 2;
    private static final int F_TOKEN_IDS = 3;
    private static final int F_BLOCK_SIZE = 4;
    private static final int F_LORA_ID = 5;
    private static final int F_MEDIUM = 6;
    private static final int F_LORA_NAME = 7;
    private static final int F_EXTRA_KEYS = 8;
    private static final int F_GROUP_IDX = 9;
    private static final int F_KIND = 10;
    private static final int F_WINDOW = 11;
    private static final int F_LOCALITY = 12;

    /** BlockRemoved's positional fields after the tag, as indexes into {@link #FIELD_NAMES}. */
    private static final int[] REMOVED_ORDER = { F_BLOCK_HASHES, F_MEDIUM, F_GROUP_IDX, F_LOCALITY };

    private static final long[] NO_HASHES = new long[0];
    private static final int[] NO_TOKENS = new int[0];

    private KvEventDecoder() {
    }

    /** Decodes a whole payload. */
    public static KvEventBatch decode(byte[] payload) {
        return decode(payload, 0, payload.length);
    }

    /** Decodes {@code payload[offset, offset + length)}; trailing bytes after the batch are an error. */
    public static KvEventBatch decode(byte[] payload, int offset, int length) {
        MsgpackReader in = new MsgpackReader(payload, offset, length);
        KvEventBatch batch = in.isMap() ? batchFromMap(in) : batchFromArray(in);
        if (in.remaining() != 0) {
            throw in.error(in.remaining() + " trailing bytes after the event batch");
        }
        return batch;
    }

    private static KvEventBatch batchFromArray(MsgpackReader in) {
        int n = in.readArrayHeader();
        if (n < 2) {
            throw in.error("an event batch array needs [ts, events], got " + n + " elements");
        }
        double ts = readTimestamp(in);
        List<KvEvent> events = readEvents(in);
        Integer rank = null;
        if (n >= 3) {
            rank = readOptionalInt(in, "data_parallel_rank", 0);
        }
        for (int i = 3; i < n; i++) {
            in.skip();
        }
        return new KvEventBatch(ts, events, rank);
    }

    private static KvEventBatch batchFromMap(MsgpackReader in) {
        int n = in.readMapHeader();
        double ts = Double.NaN;
        List<KvEvent> events = null;
        Integer rank = null;
        for (int i = 0; i < n; i++) {
            if (!in.isString()) {
                in.skip();
                in.skip();
                continue;
            }
            int keyLength = in.readStringHeader();
            int keyAt = in.position();
            in.seek(keyAt + keyLength);
            if (in.regionEquals(keyAt, keyLength, TS)) {
                ts = readTimestamp(in);
            } else if (in.regionEquals(keyAt, keyLength, EVENTS)) {
                events = readEvents(in);
            } else if (in.regionEquals(keyAt, keyLength, DATA_PARALLEL_RANK)) {
                rank = readOptionalInt(in, "data_parallel_rank", 0);
            } else {
                in.skip();
            }
        }
        if (events == null) {
            throw in.error("the event batch map has no 'events'");
        }
        return new KvEventBatch(ts, events, rank);
    }

    private static double readTimestamp(MsgpackReader in) {
        return in.tryNil() ? Double.NaN : in.readDouble();
    }

    private static List<KvEvent> readEvents(MsgpackReader in) {
        int n = in.readArrayHeader();
        KvEvent[] events = new KvEvent[n];
        for (int i = 0; i < n; i++) {
            events[i] = in.isMap() ? eventFromMap(in) : eventFromArray(in);
        }
        return List.of(events);
    }

    // ---------------------------------------------------------------------------------------- array events

    private static KvEvent eventFromArray(MsgpackReader in) {
        int at = in.position();
        int n = in.readArrayHeader();
        if (n < 1) {
            throw in.error("an event array needs a tag");
        }
        if (!in.isString()) {
            throw in.error("an event tag must be a string, found " + MsgpackReader.describe(in.peek()));
        }
        int tagAt = in.position();
        int tag = tag(in);
        Fields f = new Fields();
        if (tag == 0) {
            if (n < 5) {
                throw new KvEventDecodeException("BlockStored needs at least 4 fields, got " + (n - 1), at);
            }
            int known = Math.min(n - 1, F_LOCALITY);
            for (int field = 1; field <= known; field++) {
                readField(in, f, field);
            }
            for (int i = known + 1; i < n; i++) {
                in.skip();
            }
            return f.blockStored(in);
        }
        if (tag == 1) {
            if (n < 2) {
                throw new KvEventDecodeException("BlockRemoved needs block_hashes", at);
            }
            int known = Math.min(n - 1, REMOVED_ORDER.length);
            for (int i = 0; i < known; i++) {
                readField(in, f, REMOVED_ORDER[i]);
            }
            for (int i = known + 1; i < n; i++) {
                in.skip();
            }
            return f.blockRemoved(in);
        }
        if (tag == 2) {
            for (int i = 1; i < n; i++) {
                in.skip();
            }
            return KvEvent.AllBlocksCleared.INSTANCE;
        }
        throw new KvEventDecodeException("unknown event tag", tagAt);
    }

    /** Reads the tag string: 0 BlockStored, 1 BlockRemoved, 2 AllBlocksCleared, -1 unknown. */
    private static int tag(MsgpackReader in) {
        int length = in.readStringHeader();
        int at = in.position();
        in.seek(at + length);
        return in.regionEquals(at, length, BLOCK_STORED) ? 0
                : in.regionEquals(at, length, BLOCK_REMOVED) ? 1
                        : in.regionEquals(at, length, ALL_BLOCKS_CLEARED) ? 2 : -1;
    }

    // ------------------------------------------------------------------------------------------ map events

    private static KvEvent eventFromMap(MsgpackReader in) {
        int at = in.position();
        int n = in.readMapHeader();
        Fields f = new Fields();
        int tag = -2;
        int tagAt = -1;
        for (int i = 0; i < n; i++) {
            if (!in.isString()) {
                in.skip();
                in.skip();
                continue;
            }
            int keyLength = in.readStringHeader();
            int keyAt = in.position();
            in.seek(keyAt + keyLength);
            int field = fieldOf(in, keyAt, keyLength);
            if (field == F_TYPE) {
                if (!in.isString()) {
                    throw in.error("'type' must be a string, found " + MsgpackReader.describe(in.peek()));
                }
                tagAt = in.position();
                tag = tag(in);
            } else if (field > 0) {
                readField(in, f, field);
            } else {
                in.skip();
            }
        }
        switch (tag) {
            case 0:
                return f.blockStored(in);
            case 1:
                return f.blockRemoved(in);
            case 2:
                return KvEvent.AllBlocksCleared.INSTANCE;
            case -2:
                throw new KvEventDecodeException("event map without 'type'", at);
            default:
                throw new KvEventDecodeException("unknown event tag", tagAt);
        }
    }

    private static int fieldOf(MsgpackReader in, int keyAt, int keyLength) {
        for (int i = 0; i < FIELD_NAMES.length; i++) {
            if (in.regionEquals(keyAt, keyLength, FIELD_NAMES[i])) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------ fields

    /** The fields of one event as read so far; absent ones stay null (None). */
    private static final class Fields {
        long[] blockHashes;
        boolean hasParent;
        long parent;
        int[] tokenIds;
        int blockSize;
        Long loraId;
        String medium;
        String loraName;
        List<List<String>> extraKeys;
        Integer groupIdx;
        String kind;
        Integer window;
        String locality;

        KvEvent.BlockStored blockStored(MsgpackReader in) {
            return new KvEvent.BlockStored(blockHashes == null ? NO_HASHES : blockHashes, parent, hasParent,
                    tokenIds == null ? NO_TOKENS : tokenIds, blockSize, loraId, medium, loraName, extraKeys,
                    groupIdx, kind, window, locality);
        }

        KvEvent.BlockRemoved blockRemoved(MsgpackReader in) {
            return new KvEvent.BlockRemoved(blockHashes == null ? NO_HASHES : blockHashes, medium, groupIdx,
                    locality);
        }
    }

    private static void readField(MsgpackReader in, Fields f, int field) {
        switch (field) {
            case F_BLOCK_HASHES -> f.blockHashes = readHashes(in);
            case F_PARENT -> {
                if (!in.tryNil()) {
                    f.parent = in.readHash();
                    f.hasParent = true;
                }
            }
            case F_TOKEN_IDS -> f.tokenIds = readTokens(in);
            case F_BLOCK_SIZE -> f.blockSize = in.tryNil() ? 0
                    : (int) in.readLong(0, Integer.MAX_VALUE, "block_size");
            case F_LORA_ID -> f.loraId = in.tryNil() ? null : in.readLong();
            case F_MEDIUM -> f.medium = readOptionalString(in, "medium");
            case F_LORA_NAME -> f.loraName = readOptionalString(in, "lora_name");
            case F_EXTRA_KEYS -> f.extraKeys = readExtraKeys(in);
            case F_GROUP_IDX -> f.groupIdx = readOptionalInt(in, "group_idx", 0);
            case F_KIND -> f.kind = readOptionalString(in, "kv_cache_spec_kind");
            case F_WINDOW -> f.window = readOptionalInt(in, "kv_cache_spec_sliding_window", Integer.MIN_VALUE);
            case F_LOCALITY -> {
                if (in.isString() || in.isNil()) {
                    f.locality = readOptionalString(in, "locality");
                } else {
                    in.skip(); // a field too new to know its shape: ignored, as llm-d does
                }
            }
            default -> throw new IllegalStateException("field " + field);
        }
    }

    private static long[] readHashes(MsgpackReader in) {
        if (in.tryNil()) {
            return NO_HASHES;
        }
        int n = in.readArrayHeader();
        long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = in.readHash();
        }
        return hashes;
    }

    private static int[] readTokens(MsgpackReader in) {
        if (in.tryNil()) {
            return NO_TOKENS;
        }
        int n = in.readArrayHeader();
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            // Token ids are uint32 on the wire (and in llm-d's keys); kept bit for bit in an int.
            tokens[i] = (int) in.readLong(0, 0xFFFF_FFFFL, "token id");
        }
        return tokens;
    }

    private static String readOptionalString(MsgpackReader in, String what) {
        if (in.tryNil()) {
            return null;
        }
        if (!in.isString()) {
            throw in.error(what + " must be a string, found " + MsgpackReader.describe(in.peek()));
        }
        return in.readString();
    }

    private static Integer readOptionalInt(MsgpackReader in, String what, int min) {
        if (in.tryNil()) {
            return null;
        }
        return (int) in.readLong(min, Integer.MAX_VALUE, what);
    }

    /**
     * extra_keys: None, or one entry per block that is None or a list of items; a string item is kept, a list item
     * contributes its first element when that is a string ({@code [mm_hash, offset]}), anything else is dropped.
     */
    private static List<List<String>> readExtraKeys(MsgpackReader in) {
        if (in.tryNil()) {
            return null;
        }
        int blocks = in.readArrayHeader();
        List<List<String>> result = new ArrayList<>(blocks);
        for (int b = 0; b < blocks; b++) {
            if (in.tryNil()) {
                result.add(null);
                continue;
            }
            if (!in.isArray()) {
                throw in.error("extra_keys entries must be a list or None, found "
                        + MsgpackReader.describe(in.peek()));
            }
            int items = in.readArrayHeader();
            List<String> keys = new ArrayList<>(Math.min(items, 4));
            for (int i = 0; i < items; i++) {
                if (in.isString()) {
                    keys.add(in.readString());
                } else if (in.isArray()) {
                    int parts = in.readArrayHeader();
                    if (parts > 0 && in.isString()) {
                        keys.add(in.readString());
                        parts--;
                    }
                    for (int p = 0; p < parts; p++) {
                        in.skip();
                    }
                } else {
                    in.skip();
                }
            }
            result.add(Collections.unmodifiableList(keys));
        }
        return Collections.unmodifiableList(result);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
