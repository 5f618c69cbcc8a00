package io.quarkiverse.llmd.engine.kvcache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounds-checked msgpack cursor over a byte array, with just what KV events need. Every length read from the
 * input is checked against the bytes that remain before anything is allocated: an array of {@code n} elements needs
 * at least {@code n} more bytes and a map at least {@code 2n}, so no header can make the decoder allocate more than
 * a small multiple of the payload size. Skipping unknown values is depth-limited.
 */
final class MsgpackReader {

    /** How deep {@link #skip()} descends into values the decoder does not know. */
    static final int MAX_SKIP_DEPTH = 32;

    private final byte[] buf;
    private final int end;
    private int pos;

    MsgpackReader(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.length - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + "+" + length + ") of "
                    + buf.length);
        }
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    KvEventDecodeException error(String message) {
        return new KvEventDecodeException(message, pos);
    }

    int peek() {
        if (pos >= end) {
            throw error("unexpected end of input");
        }
        return buf[pos] & 0xFF;
    }

    boolean isNil() {
        return peek() == 0xC0;
    }

    /** Consumes a nil and returns true, or returns false and consumes nothing. */
    boolean tryNil() {
        if (peek() == 0xC0) {
            pos++;
            return true;
        }
        return false;
    }

    boolean isArray() {
        int b = peek();
        return (b & 0xF0) == 0x90 || b == 0xDC || b == 0xDD;
    }

    boolean isMap() {
        int b = peek();
        return (b & 0xF0) == 0x80 || b == 0xDE || b == 0xDF;
    }

    boolean isString() {
        int b = peek();
        return (b & 0xE0) == 0xA0 || b == 0xD9 || b == 0xDA || b == 0xDB;
    }

    boolean isInteger() {
        int b = peek();
        return b <= 0x7F || b >= 0xE0 || (b >= 0xCC && b <= 0xD3);
    }

    boolean isBinary() {
        int b = peek();
        return b == 0xC4 || b == 0xC5 || b == 0xC6;
    }

    private int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    private int u16() {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    private long u32() {
        need(4);
        long v = ((long) (buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    private long u64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    private void need(int n) {
        if (n > end - pos) {
            throw error("unexpected end of input: " + n + " bytes needed, " + (end - pos) + " left");
        }
    }

    /**
     * Reads any msgpack integer and returns its 64 bits: uint64 values above {@link Long#MAX_VALUE} come back
     * negative (read them as unsigned), int64 values keep their sign. This is how block hashes are read.
     */
    long readRawLong() {
        int b = peek();
        if (b <= 0x7F) {
            pos++;
            return b;
        }
        if (b >= 0xE0) {
            pos++;
            return (byte) b;
        }
        pos++;
        switch (b) {
            case 0xCC:
                return u8();
            case 0xCD:
                return u16();
            case 0xCE:
                return u32();
            case 0xCF:
                return u64();
            case 0xD0:
                need(1);
                return buf[pos++];
            case 0xD1:
                return (short) u16();
            case 0xD2:
                return (int) u32();
            case 0xD3:
                return u64();
            default:
                pos--;
                throw error("expected an integer, found " + describe(b));
        }
    }

    /** Reads an integer that must fit a signed 64-bit value (uint64 above {@code Long.MAX_VALUE} is an error). */
    long readLong() {
        boolean unsigned64 = peek() == 0xCF;
        int at = pos;
        long v = readRawLong();
        if (unsigned64 && v < 0) {
            throw new KvEventDecodeException("integer " + Long.toUnsignedString(v) + " out of range", at);
        }
        return v;
    }

    /** Reads an integer in {@code [min, max]}. */
    long readLong(long min, long max, String what) {
        int at = pos;
        long v = readLong();
        if (v < min || v > max) {
            throw new KvEventDecodeException(what + " " + v + " out of range [" + min + ", " + max + "]", at);
        }
        return v;
    }

    /** Reads a float32, float64 or integer as a double. */
    double readDouble() {
        int b = peek();
        if (b == 0xCB) {
            pos++;
            return Double.longBitsToDouble(u64());
        }
        if (b == 0xCA) {
            pos++;
            return Float.intBitsToFloat((int) u32());
        }
        if (isInteger()) {
            return readLong();
        }
        throw error("expected a number, found " + describe(b));
    }

    /** Reads a bin header and returns its length; the bytes follow at {@link #position()}. */
    int readBinaryHeader() {
        int b = peek();
        pos++;
        long n;
        switch (b) {
            case 0xC4:
                n = u8();
                break;
            case 0xC5:
                n = u16();
                break;
            case 0xC6:
                n = u32();
                break;
            default:
                pos--;
                throw error("expected binary, found " + describe(b));
        }
        checkBytes(n);
        return (int) n;
    }

    /**
     * Reads a block hash: an integer (its 64 bits, llm-d reinterprets int64 the same way) or a byte string (its
     * last 8 bytes big-endian, shorter strings left-padded with zeros: what vLLM sends when integer hashes are off).
     */
    long readHash() {
        if (isBinary()) {
            int n = readBinaryHeader();
            long v = 0;
            for (int i = Math.max(0, n - 8); i < n; i++) {
                v = (v << 8) | (buf[pos + i] & 0xFF);
            }
            pos += n;
            return v;
        }
        if (isInteger()) {
            return readRawLong();
        }
        throw error("expected a block hash (integer or bytes), found " + describe(peek()));
    }

    /** Reads a string header and returns the byte length; the UTF-8 bytes follow at {@link #position()}. */
    int readStringHeader() {
        int b = peek();
        long n;
        if ((b & 0xE0) == 0xA0) {
            pos++;
            n = b & 0x1F;
        } else {
            pos++;
            switch (b) {
                case 0xD9:
                    n = u8();
                    break;
                case 0xDA:
                    n = u16();
                    break;
                case 0xDB:
                    n = u32();
                    break;
                default:
                    pos--;
                    throw error("expected a string, found " + describe(b));
            }
        }
        checkBytes(n);
        return (int) n;
    }

    String readString() {
        int n = readStringHeader();
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** Whether the {@code length} bytes at {@code at} (already bounds-checked) equal {@code ascii}. */
    boolean regionEquals(int at, int length, byte[] ascii) {
        return length == ascii.length && Arrays.equals(buf, at, at + length, ascii, 0, length);
    }

    /** Moves the cursor within the input (used after a string header whose length was checked). */
    void seek(int position) {
        if (position < 0 || position > end) {
            throw error("position " + position + " outside the input");
        }
        pos = position;
    }

    /** Reads an array header; the count is checked against the bytes left (every element takes one at least). */
    int readArrayHeader() {
        int b = peek();
        long n;
        if ((b & 0xF0) == 0x90) {
            pos++;
            n = b & 0x0F;
        } else if (b == 0xDC) {
            pos++;
            n = u16();
        } else if (b == 0xDD) {
            pos++;
            n = u32();
        } else {
            throw error("expected an array, found " + describe(b));
        }
        checkBytes(n);
        return (int) n;
    }

    /** Reads a map header; the entry count is checked against the bytes left (two per entry at least). */
    int readMapHeader() {
        int b = peek();
        long n;
        if ((b & 0xF0) == 0x80) {
            pos++;
            n = b & 0x0F;
        } else if (b == 0xDE) {
            pos++;
            n = u16();
        } else if (b == 0xDF) {
            pos++;
            n = u32();
        } else {
            throw error("expected a map, found " + describe(b));
        }
        checkBytes(2 * n);
        return (int) n;
    }

    private void checkBytes(long n) {
        if (n > end - pos) {
            throw error("length " + n + " exceeds the " + (end - pos) + " bytes left");
        }
    }

    /** Skips one value of any type, descending at most {@link #MAX_SKIP_DEPTH} levels. */
    void skip() {
        skip(0);
    }

    private void skip(int depth) {
        if (depth > MAX_SKIP_DEPTH) {
            throw error("values nested deeper than " + MAX_SKIP_DEPTH);
        }
        int b = peek();
        if (b <= 0x7F || b >= 0xE0 || b == 0xC0 || b == 0xC2 || b == 0xC3) {
            pos++;
        } else if ((b & 0xF0) == 0x80 || b == 0xDE || b == 0xDF) {
            int n = readMapHeader();
            for (int i = 0; i < n; i++) {
                skip(depth + 1);
                skip(depth + 1);
            }
        } else if ((b & 0xF0) == 0x90 || b == 0xDC || b == 0xDD) {
            int n = readArrayHeader();
            for (int i = 0; i < n; i++) {
                skip(depth + 1);
            }
        } else if ((b & 0xE0) == 0xA0 || b == 0xD9 || b == 0xDA || b == 0xDB) {
            int n = readStringHeader(); // read before adding: `pos += call()` would add to the stale pos
            pos += n;
        } else {
            pos++;
            switch (b) {
                case 0xC4 -> skipBytes(u8());
                case 0xC5 -> skipBytes(u16());
                case 0xC6 -> skipBytes(u32());
                case 0xC7 -> skipBytes(u8() + 1L);
                case 0xC8 -> skipBytes(u16() + 1L);
                case 0xC9 -> skipBytes(u32() + 1L);
                case 0xCA, 0xCE, 0xD2 -> skipBytes(4);
                case 0xCB, 0xCF, 0xD3 -> skipBytes(8);
                case 0xCC, 0xD0 -> skipBytes(1);
                case 0xCD, 0xD1 -> skipBytes(2);
                case 0xD4 -> skipBytes(2);
                case 0xD5 -> skipBytes(3);
                case 0xD6 -> skipBytes(5);
                case 0xD7 -> skipBytes(9);
                case 0xD8 -> skipBytes(17);
                default -> {
                    pos--;
                    throw error("invalid msgpack format byte " + describe(b));
                }
            }
        }
    }

    private void skipBytes(long n) {
        checkBytes(n);
        pos += (int) n;
    }

    static String describe(int b) {
        String kind;
        if (b <= 0x7F || b >= 0xE0 || (b >= 0xCC && b <= 0xD3)) {
            kind = "integer";
        } else if ((b & 0xF0) == 0x80 || b == 0xDE || b == 0xDF) {
            kind = "map";
        } else if ((b & 0xF0) == 0x90 || b == 0xDC || b == 0xDD) {
            kind = "array";
        } else if ((b & 0xE0) == 0xA0 || b == 0xD9 || b == 0xDA || b == 0xDB) {
            kind = "string";
        } else if (b == 0xC0) {
            kind = "nil";
        } else if (b == 0xC2 || b == 0xC3) {
            kind = "boolean";
        } else if (b == 0xCA || b == 0xCB) {
            kind = "float";
        } else if (b >= 0xC4 && b <= 0xC6) {
            kind = "binary";
        } else if (b == 0xC1) {
            kind = "invalid";
        } else {
            kind = "extension";
        }
        return kind + String.format(" (0x%02x)", b);
    }
}
