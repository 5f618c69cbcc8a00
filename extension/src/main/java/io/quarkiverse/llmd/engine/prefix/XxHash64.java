package io.quarkiverse.llmd.engine.prefix;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * xxHash64 (the public XXH64 algorithm by Yann Collet) over byte-array ranges. Allocation-free: 8-byte lanes are
 * read through little-endian {@link VarHandle} views, so the result is the same on every platform and equals Go's
 * {@code cespare/xxhash} and other conforming implementations.
 * <p>
 * {@link #hashWithLongSuffix} hashes a range followed by the 8 little-endian bytes of a long without building the
 * concatenation, which is what the prefix block chain needs ({@code xxHash64(block ‖ le64(previous))}).
 */
public final class XxHash64 {

    static final long P1 = 0x9E3779B185EBCA87L;
    static final long P2 = 0xC2B2AE3D27D4EB4FL;
    static final long P3 = 0x165667B19E3779F9L;
    static final long P4 = 0x85EBCA77C2B2AE63L;
    static final long P5 = 0x27D4EB2F165667C5L;

    /** Minimum size of the scratch buffer {@link #hashWithLongSuffix} needs. */
    public static final int SUFFIX_SCRATCH_BYTES = 40;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);

    private XxHash64() {
    }

    /** xxHash64 of the whole array with seed 0. */
    public static long hash(byte[] data) {
        return hash(data, 0, data.length, 0L);
    }

    /** xxHash64 of {@code data[offset, offset + length)} with the given seed. */
    public static long hash(byte[] data, int offset, int length, long seed) {
        Objects.checkFromIndexSize(offset, length, data.length);
        int end = offset + length;
        int p = offset;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            int limit = end - 32;
            do {
                v1 = round(v1, (long) LONG_LE.get(data, p));
                v2 = round(v2, (long) LONG_LE.get(data, p + 8));
                v3 = round(v3, (long) LONG_LE.get(data, p + 16));
                v4 = round(v4, (long) LONG_LE.get(data, p + 24));
                p += 32;
            } while (p <= limit);
            h = merge(v1, v2, v3, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        return finish(h, data, p, end);
    }

    /**
     * xxHash64 (seed 0) of the 8 little-endian bytes of {@code first} followed by the 4 little-endian bytes of each
     * of {@code ints[offset, offset + count)}, read straight from the ints: no byte buffer is filled, and each
     * 8-byte lane is one long or two ints (llm-d's xxh64 block key: parent, then the block's tokens).
     */
    public static long hashLongAndInts(long first, int[] ints, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, ints.length);
        long total = 8L + 4L * count;
        int end = offset + count;
        int p = offset;
        long h;
        boolean firstTaken = false;
        if (total >= 32) {
            long v1 = P1 + P2;
            long v2 = P2;
            long v3 = 0;
            long v4 = -P1;
            // The first stripe: the long, then three pairs of ints.
            v1 = round(v1, first);
            v2 = round(v2, pair(ints, p));
            v3 = round(v3, pair(ints, p + 2));
            v4 = round(v4, pair(ints, p + 4));
            p += 6;
            firstTaken = true;
            // Then stripes of eight ints while 32 bytes remain.
            while (end - p >= 8) {
                v1 = round(v1, pair(ints, p));
                v2 = round(v2, pair(ints, p + 2));
                v3 = round(v3, pair(ints, p + 4));
                v4 = round(v4, pair(ints, p + 6));
                p += 8;
            }
            h = merge(v1, v2, v3, v4);
        } else {
            h = P5;
        }
        h += total;
        if (!firstTaken) {
            h ^= round(0, first);
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        while (end - p >= 2) {
            h ^= round(0, pair(ints, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            p += 2;
        }
        if (p < end) {
            h ^= (ints[p] & 0xFFFF_FFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
        }
        return avalanche(h);
    }

    /** Two ints as one little-endian 8-byte lane. */
    private static long pair(int[] ints, int p) {
        return (ints[p] & 0xFFFF_FFFFL) | ((long) ints[p + 1] << 32);
    }

    /**
     * xxHash64 of {@code data[offset, offset + length)} followed by the 8 little-endian bytes of {@code suffix},
     * without allocating: the few bytes that straddle the end of the range are assembled in {@code scratch}.
     *
     * @param scratch caller-owned buffer of at least {@link #SUFFIX_SCRATCH_BYTES} bytes; overwritten
     */
    public static long hashWithLongSuffix(byte[] data, int offset, int length, long suffix, long seed,
            byte[] scratch) {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (scratch.length < SUFFIX_SCRATCH_BYTES) {
            throw new IllegalArgumentException("scratch must hold " + SUFFIX_SCRATCH_BYTES + " bytes");
        }
        long total = (long) length + 8;
        int end = offset + length;
        int p = offset;
        long h;
        int tailLength;
        if (total >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            // Stripes lying entirely inside the range.
            while (p + 32 <= end) {
                v1 = round(v1, (long) LONG_LE.get(data, p));
                v2 = round(v2, (long) LONG_LE.get(data, p + 8));
                v3 = round(v3, (long) LONG_LE.get(data, p + 16));
                v4 = round(v4, (long) LONG_LE.get(data, p + 24));
                p += 32;
            }
            tailLength = assembleTail(data, p, end, suffix, scratch);
            int q = 0;
            if (tailLength >= 32) { // the stripe that straddles the suffix
                v1 = round(v1, (long) LONG_LE.get(scratch, 0));
                v2 = round(v2, (long) LONG_LE.get(scratch, 8));
                v3 = round(v3, (long) LONG_LE.get(scratch, 16));
                v4 = round(v4, (long) LONG_LE.get(scratch, 24));
                q = 32;
            }
            h = merge(v1, v2, v3, v4) + total;
            return finish(h, scratch, q, tailLength);
        }
        tailLength = assembleTail(data, p, end, suffix, scratch);
        h = seed + P5 + total;
        return finish(h, scratch, 0, tailLength);
    }

    /** Copies the remaining (< 32) range bytes and the suffix into scratch; returns the assembled length. */
    private static int assembleTail(byte[] data, int p, int end, long suffix, byte[] scratch) {
        int rest = end - p;
        System.arraycopy(data, p, scratch, 0, rest);
        LONG_LE.set(scratch, rest, suffix);
        return rest + 8;
    }

    private static long finish(long h, byte[] b, int p, int end) {
        while (p + 8 <= end) {
            h ^= round(0, (long) LONG_LE.get(b, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            p += 8;
        }
        if (p + 4 <= end) {
            h ^= ((int) INT_LE.get(b, p) & 0xFFFF_FFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        while (p < end) {
            h ^= (b[p] & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            p++;
        }
        return avalanche(h);
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long mergeRound(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }

    private static long merge(long v1, long v2, long v3, long v4) {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
                + Long.rotateLeft(v4, 18);
        h = mergeRound(h, v1);
        h = mergeRound(h, v2);
        h = mergeRound(h, v3);
        return mergeRound(h, v4);
    }
}
