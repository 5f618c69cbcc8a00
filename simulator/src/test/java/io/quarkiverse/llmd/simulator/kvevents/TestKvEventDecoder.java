package io.quarkiverse.llmd.simulator.kvevents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.IntegerValue;
import org.msgpack.value.MapValue;
import org.msgpack.value.Value;

/**
 * A test-only decoder written from the reference decoding rules (kvcache-and-sim.md A1.4, A1.8, C.1), independent of
 * {@link KvEventEncoder}: it reads generic msgpack values and accepts a batch as an array ({@code [ts, events]} or
 * longer) or a map, and each event as a positional array (length-guarded) or a {@code "type"}-tagged map. Hashes are
 * accepted as uint64, int64 (bits reinterpreted) or bin (last 8 bytes big-endian).
 */
final class TestKvEventDecoder {

    /** A decoded {@code EventBatch}. */
    record Batch(double ts, List<Event> events, Integer dataParallelRank) {
    }

    /**
     * One decoded event: the portable part as a {@link KvEvent}, plus the vLLM-only trailing fields.
     *
     * @param mapForm true when the event was a map
     * @param keys map keys in wire order (empty for arrays)
     * @param arity array length including the tag (0 for maps)
     * @param extraKeys the raw {@code extra_keys} value, null when absent or nil
     * @param groupIdx {@code group_idx}, null when absent or nil
     * @param kvCacheSpecKind {@code kv_cache_spec_kind}, null when absent or nil
     */
    record Event(KvEvent event, boolean mapForm, List<String> keys, int arity, Value extraKeys, Integer groupIdx,
            String kvCacheSpecKind) {
    }

    private static final List<String> STORED_ORDER = List.of("block_hashes", "parent_block_hash", "token_ids",
            "block_size", "lora_id", "medium", "lora_name", "extra_keys", "group_idx", "kv_cache_spec_kind",
            "kv_cache_spec_sliding_window");
    private static final List<String> REMOVED_ORDER = List.of("block_hashes", "medium", "group_idx");

    private TestKvEventDecoder() {
    }

    static Batch decode(byte[] payload) {
        Value root;
        try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(payload)) {
            root = unpacker.unpackValue();
            if (unpacker.hasNext()) {
                throw new IllegalArgumentException("trailing bytes after the batch");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Value ts;
        Value events;
        Value rank;
        if (root.isArrayValue()) {
            ArrayValue a = root.asArrayValue();
            if (a.size() < 2) {
                throw new IllegalArgumentException("batch array too short: " + a.size());
            }
            ts = a.get(0);
            events = a.get(1);
            rank = a.size() > 2 ? a.get(2) : null;
        } else {
            Map<String, Value> m = stringKeyed(root.asMapValue(), null);
            ts = m.get("ts");
            events = m.get("events");
            rank = m.get("data_parallel_rank");
        }
        List<Event> decoded = new ArrayList<>();
        for (Value e : events.asArrayValue()) {
            decoded.add(decodeEvent(e));
        }
        Integer dpRank = isNil(rank) ? null : rank.asIntegerValue().asInt();
        return new Batch(ts.asFloatValue().toDouble(), decoded, dpRank);
    }

    private static Event decodeEvent(Value value) {
        String tag;
        List<Value> fields = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        boolean map = value.isMapValue();
        int arity = 0;
        if (map) {
            Map<String, Value> m = stringKeyed(value.asMapValue(), keys);
            tag = m.get("type").asStringValue().asString();
            List<String> order = switch (tag) {
                case "BlockStored" -> STORED_ORDER;
                case "BlockRemoved" -> REMOVED_ORDER;
                default -> List.of();
            };
            for (String k : order) {
                fields.add(m.get(k)); // a missing key reads as nil, like llm-d's normalisation
            }
        } else {
            ArrayValue a = value.asArrayValue();
            arity = a.size();
            tag = a.get(0).asStringValue().asString();
            for (int i = 1; i < a.size(); i++) {
                fields.add(a.get(i));
            }
        }
        return switch (tag) {
            case "BlockStored" -> {
                if (fields.size() < 4) {
                    throw new IllegalArgumentException("BlockStored needs at least 4 fields: " + fields.size());
                }
                Value parent = field(fields, 1);
                Value lora = field(fields, 4);
                KvEvent.BlockStored e = new KvEvent.BlockStored(hashes(field(fields, 0)),
                        isNil(parent) ? null : hash(parent), ints(field(fields, 2)),
                        field(fields, 3).asIntegerValue().asInt(), isNil(lora) ? null : lora.asIntegerValue().asInt(),
                        string(field(fields, 5)), string(field(fields, 6)));
                Value extra = field(fields, 7);
                Value group = field(fields, 8);
                yield new Event(e, map, keys, arity, isNil(extra) ? null : extra,
                        isNil(group) ? null : group.asIntegerValue().asInt(), string(field(fields, 9)));
            }
            case "BlockRemoved" -> {
                Value group = field(fields, 2);
                yield new Event(new KvEvent.BlockRemoved(hashes(field(fields, 0)), string(field(fields, 1))), map,
                        keys, arity, null, isNil(group) ? null : group.asIntegerValue().asInt(), null);
            }
            case "AllBlocksCleared" -> new Event(new KvEvent.AllBlocksCleared(), map, keys, arity, null, null, null);
            default -> throw new IllegalArgumentException("unknown event tag " + tag);
        };
    }

    private static Map<String, Value> stringKeyed(MapValue map, List<String> keyOrder) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (Map.Entry<Value, Value> e : map.entrySet()) {
            String key = e.getKey().asStringValue().asString();
            out.put(key, e.getValue());
            if (keyOrder != null) {
                keyOrder.add(key);
            }
        }
        return out;
    }

    private static Value field(List<Value> fields, int index) {
        return index < fields.size() ? fields.get(index) : null;
    }

    private static boolean isNil(Value v) {
        return v == null || v.isNilValue();
    }

    private static String string(Value v) {
        return isNil(v) ? null : v.asStringValue().asString();
    }

    private static long[] hashes(Value v) {
        ArrayValue a = v.asArrayValue();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = hash(a.get(i));
        }
        return out;
    }

    /** An unsigned 64-bit hash carried in a long. */
    static long hash(Value v) {
        if (v.isIntegerValue()) {
            IntegerValue i = v.asIntegerValue();
            if (i.isInLongRange()) {
                return i.asLong(); // int64 (or small uint): bits as they are
            }
            BigInteger big = i.asBigInteger();
            if (big.signum() < 0 || big.bitLength() > 64) {
                throw new IllegalArgumentException("hash out of uint64 range: " + big);
            }
            return big.longValue(); // uint64 >= 2^63
        }
        byte[] bytes = v.asBinaryValue().asByteArray();
        long h = 0;
        for (int i = Math.max(0, bytes.length - 8); i < bytes.length; i++) {
            h = (h << 8) | (bytes[i] & 0xff);
        }
        return h;
    }

    private static int[] ints(Value v) {
        ArrayValue a = v.asArrayValue();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asIntegerValue().asInt();
        }
        return out;
    }
}
