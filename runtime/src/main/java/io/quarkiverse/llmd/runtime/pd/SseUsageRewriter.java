package io.quarkiverse.llmd.runtime.pd;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/**
 * Adds a remote prefill's cached tokens to the usage of a streamed (SSE) decode response, as the decode sidecar
 * rewrites usage: every {@code data:} event carrying a {@code usage} object gets
 * {@code prompt_tokens_details.cached_tokens} increased. Works line by line: the unfinished tail of a chunk is held
 * until its line ends, so each complete line is passed on as soon as it is complete. Other lines pass unchanged.
 * One instance per response; not thread-safe.
 */
public final class SseUsageRewriter {

    private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

    private final long cachedTokens;
    private Buffer pending = Buffer.buffer();

    public SseUsageRewriter(long cachedTokens) {
        this.cachedTokens = cachedTokens;
    }

    /** The complete lines of {@code chunk} (and of earlier held bytes), rewritten where they carry usage. */
    public Buffer apply(Buffer chunk) {
        Buffer in = pending.length() == 0 ? chunk : pending.appendBuffer(chunk);
        byte[] b = in.getBytes();
        int lastNl = -1;
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == '\n') {
                lastNl = i;
                break;
            }
        }
        if (lastNl < 0) {
            pending = Buffer.buffer(b);
            return Buffer.buffer();
        }
        pending = Buffer.buffer(java.util.Arrays.copyOfRange(b, lastNl + 1, b.length));
        Buffer out = Buffer.buffer(lastNl + 64);
        int start = 0;
        for (int i = 0; i <= lastNl; i++) {
            if (b[i] == '\n') {
                line(b, start, i, out);
                out.appendByte((byte) '\n');
                start = i + 1;
            }
        }
        return out;
    }

    /** Whatever is held back, at the end of the stream. */
    public Buffer flush() {
        Buffer rest = Buffer.buffer();
        if (pending.length() > 0) {
            byte[] b = pending.getBytes();
            line(b, 0, b.length, rest);
        }
        pending = Buffer.buffer();
        return rest;
    }

    private void line(byte[] b, int from, int to, Buffer out) {
        int end = to > from && b[to - 1] == '\r' ? to - 1 : to;
        if (end - from > 6 && startsWithData(b, from) && contains(b, from, end, USAGE_KEY)) {
            int json = from + 5;
            if (json < end && b[json] == ' ') {
                json++;
            }
            byte[] payload = java.util.Arrays.copyOfRange(b, json, end);
            byte[] rewritten = PdRequests.addCachedTokens(payload, cachedTokens);
            if (rewritten != payload) {
                out.appendBytes(b, from, json - from).appendBytes(rewritten).appendBytes(b, end, to - end);
                return;
            }
        }
        out.appendBytes(b, from, to - from);
    }

    private static boolean startsWithData(byte[] b, int i) {
        return b[i] == 'd' && b[i + 1] == 'a' && b[i + 2] == 't' && b[i + 3] == 'a' && b[i + 4] == ':';
    }

    private static boolean contains(byte[] b, int from, int to, byte[] key) {
        outer: for (int i = from; i + key.length <= to; i++) {
            for (int k = 0; k < key.length; k++) {
                if (b[i + k] != key[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
