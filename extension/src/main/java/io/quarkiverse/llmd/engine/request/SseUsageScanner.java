package io.quarkiverse.llmd.engine.request;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * Finds {@link Usage} in a Server-Sent-Events response as its chunks arrive, whatever the chunk boundaries: a line
 * split across chunks is reassembled, and {@code \n}, {@code \r\n} and a lone {@code \r} all end a line (the SSE
 * rules), including a {@code \r\n} split between two chunks.
 * <p>
 * Complete lines are examined in place in the chunk; only the unfinished tail of a chunk is copied. Lines without a
 * {@code "usage"} key are not parsed at all. A line longer than the configured limit is dropped (a usage line is a few
 * hundred bytes; only generated text makes long lines).
 * <p>
 * Unlike {@link UsageParser#fromSse(byte[])}, which returns the first usage found as llm-d does, {@link #usage()}
 * returns the <em>latest</em>: with vLLM's {@code continuous_usage_stats} every chunk carries cumulative usage and
 * the last one is the total; without it only one chunk carries usage and both rules agree.
 * <p>
 * One instance per response; not thread-safe. Never throws on bad input.
 */
public final class SseUsageScanner {

    /** Default maximum line length kept across chunk boundaries. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private final int maxLineBytes;
    private byte[] pending = new byte[256];
    private int pendingLen;
    private boolean discarding;
    private boolean lastWasCr;
    private Usage usage;
    private long usageEvents;

    public SseUsageScanner() {
        this(DEFAULT_MAX_LINE_BYTES);
    }

    public SseUsageScanner(int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.maxLineBytes = maxLineBytes;
    }

    /** Feeds the next chunk of the response body. */
    public SseUsageScanner feed(byte[] chunk) {
        return chunk == null ? this : feed(chunk, 0, chunk.length);
    }

    /** Feeds {@code chunk[offset, offset+length)}. */
    public SseUsageScanner feed(byte[] chunk, int offset, int length) {
        if (chunk == null || length <= 0) {
            return this;
        }
        int end = offset + length;
        int lineStart = offset;
        for (int i = offset; i < end; i++) {
            byte c = chunk[i];
            if (c != '\n' && c != '\r') {
                continue;
            }
            boolean crlfTail = c == '\n' && i == lineStart && lastWasCr && pendingLen == 0 && !discarding;
            if (!crlfTail) {
                endLine(chunk, lineStart, i);
            }
            lastWasCr = c == '\r';
            lineStart = i + 1;
        }
        if (lineStart < end) {
            append(chunk, lineStart, end);
            lastWasCr = false;
        }
        return this;
    }

    /** Feeds the remaining bytes of a buffer (its position moves to its limit). */
    public SseUsageScanner feed(ByteBuffer chunk) {
        if (chunk == null || !chunk.hasRemaining()) {
            return this;
        }
        if (chunk.hasArray()) {
            feed(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
            chunk.position(chunk.limit());
        } else {
            byte[] copy = new byte[chunk.remaining()];
            chunk.get(copy);
            feed(copy);
        }
        return this;
    }

    /** Processes a final line that had no terminator; call at the end of the response. */
    public SseUsageScanner finish() {
        if (pendingLen > 0 && !discarding) {
            examine(pending, 0, pendingLen);
        }
        pendingLen = 0;
        discarding = false;
        return this;
    }

    /** The latest usage seen so far. */
    public Optional<Usage> usage() {
        return Optional.ofNullable(usage);
    }

    /** How many events carrying usage were seen. */
    public long usageEvents() {
        return usageEvents;
    }

    private void endLine(byte[] chunk, int from, int to) {
        if (discarding) {
            discarding = false;
            pendingLen = 0;
            return;
        }
        if (pendingLen == 0) {
            examine(chunk, from, to - from);
            return;
        }
        append(chunk, from, to);
        if (!discarding) {
            examine(pending, 0, pendingLen);
        }
        discarding = false;
        pendingLen = 0;
    }

    private void append(byte[] chunk, int from, int to) {
        if (discarding) {
            return;
        }
        int n = to - from;
        if (pendingLen + n > maxLineBytes) {
            discarding = true;
            pendingLen = 0;
            return;
        }
        if (pendingLen + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.min(maxLineBytes, Math.max(pendingLen + n, pending.length * 2)));
        }
        System.arraycopy(chunk, from, pending, pendingLen, n);
        pendingLen += n;
    }

    private void examine(byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        Usage u = UsageParser.fromSseLine(b, off, len);
        if (u != null) {
            usage = u;
            usageEvents++;
        }
    }
}
