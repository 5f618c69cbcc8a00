package io.quarkiverse.llmd.runtime.proxy;

import java.util.Optional;

import io.quarkiverse.llmd.engine.request.SseUsageScanner;
import io.quarkiverse.llmd.engine.request.Usage;
import io.quarkiverse.llmd.engine.request.UsageParser;
import io.quarkiverse.llmd.engine.response.ModelNameRewriter;
import io.quarkiverse.llmd.runtime.pd.PdRequests;
import io.quarkiverse.llmd.runtime.pd.SseUsageRewriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Streams one model-server response to the client chunk by chunk, without buffering: each chunk is written as it
 * arrives, and the upstream is paused while the client's write queue is full (backpressure). On the way it finds the
 * usage (SSE scanner or JSON), rewrites the model name back to the client's, and reports the first chunk and the end.
 * An upstream failure in the middle of the body ends the client response cleanly: an SSE stream gets a final
 * {@code data: {"error":…}} event and {@code data: [DONE]} (as vLLM ends a failed stream); other bodies, whose
 * head already went out, are cut by closing the connection so the client cannot mistake them for complete.
 * Runs on the client request's event loop.
 */
public final class ResponseRelay {

    /** Largest non-streamed body copied for usage extraction; beyond it the usage is unknown. */
    static final int MAX_JSON_COPY = 8 << 20;

    /** What the owner of the exchange hears. */
    public interface Listener {

        /** The model server's head arrived and is being passed on. */
        void started(int status);

        /** The first body chunk went to the client. */
        void firstChunk();

        /** The body ended normally; {@code usage} is empty when none was found. */
        void ended(int status, Optional<Usage> usage);

        /** The body was cut by an upstream failure (the client got a clean ending). */
        void failed(Throwable cause);
    }

    private final HttpClientRequest upstreamRequest;
    private final HttpClientResponse upstream;
    private final HttpServerResponse client;
    private final ModelNameRewriter rewriter;
    private final long prefillCachedTokens;
    private final Listener listener;
    private boolean sse;
    private boolean first = true;
    private boolean done;
    private SseUsageScanner scanner;
    private Buffer jsonCopy;
    private boolean bufferWhole;
    private SseUsageRewriter usageRewriter;

    /**
     * @param rewriter puts the client's model name back, or null when it was not rewritten
     * @param prefillCachedTokens cached tokens of a remote prefill, added to a non-streamed usage (0: none)
     */
    public ResponseRelay(HttpClientRequest upstreamRequest, HttpClientResponse upstream, HttpServerResponse client,
            ModelNameRewriter rewriter, long prefillCachedTokens, Listener listener) {
        this.upstreamRequest = upstreamRequest;
        this.upstream = upstream;
        this.client = client;
        this.rewriter = rewriter;
        this.prefillCachedTokens = prefillCachedTokens;
        this.listener = listener;
    }

    /** Passes the head on and starts streaming. {@code servedAddress} goes into the served-endpoint header. */
    public void start(String servedAddress) {
        int status = upstream.statusCode();
        String contentType = upstream.getHeader("content-type");
        sse = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
        boolean ok = status >= 200 && status < 300;
        bufferWhole = !sse && ok && prefillCachedTokens > 0;
        boolean keepLength = rewriter == null && !bufferWhole;
        client.setStatusCode(status);
        if (upstream.statusMessage() != null && !upstream.statusMessage().isEmpty()) {
            client.setStatusMessage(upstream.statusMessage());
        }
        HeaderHygiene.copyResponseHeaders(upstream.headers(), client.headers(), keepLength);
        client.putHeader(HeaderHygiene.SERVED_HEADER, servedAddress);
        if (!client.headers().contains("content-length")) {
            client.setChunked(true);
        }
        if (sse) {
            scanner = new SseUsageScanner();
            if (ok && prefillCachedTokens > 0) {
                usageRewriter = new SseUsageRewriter(prefillCachedTokens);
            }
        } else {
            jsonCopy = Buffer.buffer();
        }
        listener.started(status);
        if (sse) {
            client.writeHead(); // as vLLM does: the client sees the stream open before the first token
        }
        upstream.handler(this::chunk);
        upstream.endHandler(v -> end());
        upstream.exceptionHandler(this::fail);
        client.drainHandler(v -> {
            if (!done) {
                upstream.resume();
            }
        });
    }

    /** Stops relaying because the client went away; the upstream request is reset. */
    public void cancel() {
        if (!done) {
            done = true;
            upstreamRequest.reset();
        }
    }

    private void chunk(Buffer buf) {
        if (done) {
            return;
        }
        if (first) {
            first = false;
            listener.firstChunk();
        }
        if (sse) {
            scanner.feed(buf.getBytes());
        } else if (jsonCopy != null) {
            if (jsonCopy.length() + buf.length() <= MAX_JSON_COPY) {
                jsonCopy.appendBuffer(buf);
            } else {
                jsonCopy = null;
            }
        }
        if (bufferWhole) {
            return; // written at the end, with the prefill's cached tokens added to the usage
        }
        Buffer out = usageRewriter == null ? buf : usageRewriter.apply(buf);
        out = rewriter == null ? out : Buffer.buffer(rewriter.rewrite(out.getBytes(), false));
        if (out.length() > 0) {
            client.write(out);
        }
        if (client.writeQueueFull()) {
            upstream.pause();
        }
    }

    private void end() {
        if (done) {
            return;
        }
        done = true;
        Optional<Usage> usage;
        if (sse) {
            usage = scanner.finish().usage();
        } else {
            usage = jsonCopy == null ? Optional.empty() : UsageParser.fromJson(jsonCopy.getBytes());
        }
        if (bufferWhole) {
            Buffer whole = jsonCopy == null ? Buffer.buffer() : Buffer.buffer(
                    PdRequests.addCachedTokens(jsonCopy.getBytes(), prefillCachedTokens));
            if (rewriter != null) {
                Buffer a = Buffer.buffer(rewriter.rewrite(whole.getBytes(), true));
                whole = a;
            }
            client.end(whole);
        } else {
            Buffer tail = usageRewriter == null ? Buffer.buffer() : usageRewriter.flush();
            if (rewriter != null) {
                tail = Buffer.buffer(rewriter.rewrite(tail.getBytes(), true));
            }
            client.end(tail);
        }
        listener.ended(upstream.statusCode(), usage);
    }

    private void fail(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        if (sse && !client.ended() && !client.closed()) {
            if (rewriter != null || usageRewriter != null) {
                Buffer rest = usageRewriter == null ? Buffer.buffer() : usageRewriter.flush();
                rest = rewriter == null ? rest : Buffer.buffer(rewriter.rewrite(rest.getBytes(), true));
                if (rest.length() > 0) {
                    client.write(rest);
                }
            }
            client.end(OpenAiErrors.sseErrorFrames(502,
                    "the model server failed in the middle of the stream: " + describe(cause)));
        } else if (!client.ended() && !client.closed()) {
            if (!client.headWritten()) {
                client.headers().clear();
                client.setChunked(false);
                OpenAiErrors.send(client, 502, "the model server failed before completing the response: "
                        + describe(cause));
            } else {
                client.reset(); // the head went out: cutting the connection is the only honest ending
            }
        }
        listener.failed(cause);
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
