package io.quarkiverse.llmd.runtime.kvcache;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a batch of {@link IndexOp}s, as replicas write them to the shared stream and the snapshot.
 * Big-endian; endpoint and tier names are written once per batch in a string table and referred to by index:
 *
 * <pre>
 * batch    = 'L' 'K' version(u8=1) strings(u32) string* ops(u32) op*
 * string   = length(u16) utf-8 bytes
 * op       = 1 endpoint(u32) tier(u32) engineCount(u32) i64* requestCount(u32) i64*   Add
 *          | 2 endpoint(u32) tier(u32) engineKey(i64)                                  Evict
 *          | 3 endpoint(u32)                                                           Clear
 *          | 4 endpoint(u32)                                                           RemoveEndpoint
 * snapshot = 'L' 'S' version(u8=1) position(string) batch
 * </pre>
 * Whatever another replica (or anything else with access to Redis) wrote is untrusted: every count is checked
 * against the bytes that remain before anything is allocated, names are bounded and must be valid UTF-8, and a
 * malformed input fails with {@link IndexOpDecodeException} rather than any other exception.
 */
public final class IndexOpCodec {

    /** Longest endpoint or tier name accepted, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 1024;

    private static final int VERSION = 1;
    private static final byte ADD = 1;
    private static final byte EVICT = 2;
    private static final byte CLEAR = 3;
    private static final byte REMOVE = 4;

    private IndexOpCodec() {
    }

    /** A decoded snapshot: the stream position it includes everything up to, and the ops that rebuild it. */
    public record Snapshot(String position, List<IndexOp> ops) {
    }

    /** Encodes a batch. */
    public static byte[] encode(List<IndexOp> ops) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + ops.size() * 32);
        writeBatch(new DataOutputStream(bytes), ops);
        return bytes.toByteArray();
    }

    /** Encodes a snapshot taken at a stream position. */
    public static byte[] encodeSnapshot(String position, List<IndexOp> ops) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + ops.size() * 40);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte('L');
            out.writeByte('S');
            out.writeByte(VERSION);
            writeString(out, position);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeBatch(out, ops);
        return bytes.toByteArray();
    }

    private static void writeBatch(DataOutputStream out, List<IndexOp> ops) {
        Map<String, Integer> index = new HashMap<>();
        List<String> strings = new ArrayList<>();
        for (IndexOp op : ops) {
            intern(op.endpoint(), index, strings);
            if (op instanceof IndexOp.Add a) {
                intern(a.tier(), index, strings);
            } else if (op instanceof IndexOp.Evict e) {
                intern(e.tier(), index, strings);
            }
        }
        try {
            out.writeByte('L');
            out.writeByte('K');
            out.writeByte(VERSION);
            out.writeInt(strings.size());
            for (String s : strings) {
                writeString(out, s);
            }
            out.writeInt(ops.size());
            for (IndexOp op : ops) {
                if (op instanceof IndexOp.Add a) {
                    out.writeByte(ADD);
                    out.writeInt(index.get(a.endpoint()));
                    out.writeInt(index.get(a.tier()));
                    writeLongs(out, a.engineKeys());
                    writeLongs(out, a.requestKeys());
                } else if (op instanceof IndexOp.Evict e) {
                    out.writeByte(EVICT);
                    out.writeInt(index.get(e.endpoint()));
                    out.writeInt(index.get(e.tier()));
                    out.writeLong(e.engineKey());
                } else if (op instanceof IndexOp.Clear c) {
                    out.writeByte(CLEAR);
                    out.writeInt(index.get(c.endpoint()));
                } else {
                    out.writeByte(REMOVE);
                    out.writeInt(index.get(op.endpoint()));
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void intern(String s, Map<String, Integer> index, List<String> strings) {
        if (!index.containsKey(s)) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("name longer than " + MAX_NAME_BYTES + " bytes: "
                        + s.substring(0, 64) + "...");
            }
            index.put(s, strings.size());
            strings.add(s);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(utf8.length);
        out.write(utf8);
    }

    private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            out.writeLong(v);
        }
    }

    /**
     * Builds a snapshot entry by entry (from {@code InMemoryKvBlockIndex.export}) without an op object per entry:
     * each entry becomes an Add of one request key with its engine keys.
     */
    public static final class SnapshotBuilder {
        private final Map<String, Integer> index = new HashMap<>();
        private final List<String> strings = new ArrayList<>();
        private final ByteArrayOutputStream opBytes = new ByteArrayOutputStream(1 << 16);
        private final DataOutputStream ops = new DataOutputStream(opBytes);
        private int count;

        /** Adds one entry. */
        public void entry(long requestKey, long[] engineKeys, int engineCount, String endpoint, String tier) {
            intern(endpoint, index, strings);
            intern(tier, index, strings);
            try {
                ops.writeByte(ADD);
                ops.writeInt(index.get(endpoint));
                ops.writeInt(index.get(tier));
                ops.writeInt(engineCount);
                for (int i = 0; i < engineCount; i++) {
                    ops.writeLong(engineKeys[i]);
                }
                ops.writeInt(1);
                ops.writeLong(requestKey);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            count++;
        }

        /** Entries added so far. */
        public int size() {
            return count;
        }

        /** The snapshot, recording that it includes every stream entry up to {@code position}. */
        public byte[] build(String position) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(opBytes.size() + 64 + strings.size() * 24);
            DataOutputStream out = new DataOutputStream(bytes);
            try {
                out.writeByte('L');
                out.writeByte('S');
                out.writeByte(VERSION);
                writeString(out, position);
                out.writeByte('L');
                out.writeByte('K');
                out.writeByte(VERSION);
                out.writeInt(strings.size());
                for (String s : strings) {
                    writeString(out, s);
                }
                out.writeInt(count);
                ops.flush();
                opBytes.writeTo(out);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    /** Decodes a batch. */
    public static List<IndexOp> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            List<IndexOp> ops = readBatch(in);
            if (in.hasRemaining()) {
                throw new IndexOpDecodeException(in.remaining() + " trailing bytes after the batch");
            }
            return ops;
        } catch (BufferUnderflowException e) {
            throw new IndexOpDecodeException("truncated batch");
        }
    }

    /** Decodes a snapshot. */
    public static Snapshot decodeSnapshot(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (in.remaining() < 3 || in.get() != 'L' || in.get() != 'S') {
                throw new IndexOpDecodeException("not a snapshot (bad magic)");
            }
            int version = in.get();
            if (version != VERSION) {
                throw new IndexOpDecodeException("unknown snapshot version " + version);
            }
            String position = readString(in);
            List<IndexOp> ops = readBatch(in);
            if (in.hasRemaining()) {
                throw new IndexOpDecodeException(in.remaining() + " trailing bytes after the snapshot");
            }
            return new Snapshot(position, ops);
        } catch (BufferUnderflowException e) {
            throw new IndexOpDecodeException("truncated snapshot");
        }
    }

    private static List<IndexOp> readBatch(ByteBuffer in) {
        if (in.remaining() < 3 || in.get() != 'L' || in.get() != 'K') {
            throw new IndexOpDecodeException("not an index batch (bad magic)");
        }
        int version = in.get();
        if (version != VERSION) {
            throw new IndexOpDecodeException("unknown batch version " + version);
        }
        // Each string takes at least its 2-byte length, each op at least 5 bytes: counts beyond that are lies.
        int stringCount = count(in, 2, "string");
        String[] strings = new String[stringCount];
        for (int i = 0; i < stringCount; i++) {
            strings[i] = readString(in);
        }
        int opCount = count(in, 5, "op");
        List<IndexOp> ops = new ArrayList<>(opCount);
        for (int i = 0; i < opCount; i++) {
            byte tag = in.get();
            switch (tag) {
                case ADD -> {
                    String endpoint = ref(in, strings);
                    String tier = ref(in, strings);
                    long[] engineKeys = readLongs(in);
                    long[] requestKeys = readLongs(in);
                    ops.add(new IndexOp.Add(engineKeys, requestKeys, endpoint, tier));
                }
                case EVICT -> ops.add(evict(in, strings));
                case CLEAR -> ops.add(new IndexOp.Clear(ref(in, strings)));
                case REMOVE -> ops.add(new IndexOp.RemoveEndpoint(ref(in, strings)));
                default -> throw new IndexOpDecodeException("unknown op tag " + tag + " at op " + i);
            }
        }
        return ops;
    }

    private static IndexOp.Evict evict(ByteBuffer in, String[] strings) {
        String endpoint = ref(in, strings);
        String tier = ref(in, strings);
        return new IndexOp.Evict(in.getLong(), endpoint, tier);
    }

    private static int count(ByteBuffer in, int minBytesEach, String what) {
        int n = in.getInt();
        if (n < 0 || (long) n * minBytesEach > in.remaining()) {
            throw new IndexOpDecodeException(what + " count " + Integer.toUnsignedString(n) + " exceeds the "
                    + in.remaining() + " bytes left");
        }
        return n;
    }

    private static String ref(ByteBuffer in, String[] strings) {
        int i = in.getInt();
        if (i < 0 || i >= strings.length) {
            throw new IndexOpDecodeException("string reference " + Integer.toUnsignedString(i) + " out of "
                    + strings.length);
        }
        return strings[i];
    }

    private static String readString(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > MAX_NAME_BYTES || length > in.remaining()) {
            throw new IndexOpDecodeException("name of " + length + " bytes (at most " + MAX_NAME_BYTES
                    + ", " + in.remaining() + " left)");
        }
        ByteBuffer slice = in.slice();
        slice.limit(length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new IndexOpDecodeException("a name is not valid UTF-8");
        }
    }

    private static long[] readLongs(ByteBuffer in) {
        int n = count(in, 8, "key");
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.getLong();
        }
        return values;
    }
}
