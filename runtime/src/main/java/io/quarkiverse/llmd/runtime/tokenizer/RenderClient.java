package io.quarkiverse.llmd.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Calls one render server (vLLM's {@code /v1/completions/render} and {@code /v1/chat/completions/render}) without
 * blocking: the call is made from the caller's thread, and on a Vert.x event loop its answer, like its deadline,
 * arrives on the caller's context. Each call ends exactly once, with the ids or the reason there are none, within
 * its timeout (connect, send and read included). At most {@code maxInFlight} calls are open at once; beyond that a
 * call fails at once as {@link RenderOutcome#OVERLOADED}, so that a slow render server cannot pile up requests in
 * the gateway. The server is the configured one only: nothing in a request chooses where the call goes.
 * Thread-safe.
 */
final class RenderClient {

    /** Largest answer accepted: far above the ids of any prompt a model server takes (about 6 bytes per id). */
    static final int MAX_RESPONSE_BYTES = 16 << 20;
    private static final int MAX_ERROR_DETAIL = 256;

    private final Vertx vertx;
    private final HttpClient client;
    private final RenderUrl url;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final RenderMetrics metrics;

    RenderClient(Vertx vertx, HttpClient client, RenderUrl url, int maxInFlight, RenderMetrics metrics) {
        this.vertx = vertx;
        this.client = client;
        this.url = url;
        this.maxInFlight = maxInFlight;
        this.metrics = metrics;
    }

    /** Calls currently open. */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Posts {@code body} to {@code path} (below the configured URL).
     *
     * @param authorization the client's {@code Authorization} header, passed on as llm-d does so that a render server
     *        started with an API key accepts the call; null for none
     * @return completes, never exceptionally, with the ids or the failure; already complete when refused at once
     */
    CompletableFuture<RenderResult> render(String path, byte[] body, String authorization, long timeoutMillis) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            metrics.record(RenderOutcome.OVERLOADED, 0);
            return CompletableFuture.completedFuture(new RenderResult.Failed(RenderOutcome.OVERLOADED,
                    maxInFlight + " render calls already open"));
        }
        Call call = new Call(System.nanoTime());
        call.timer = vertx.setTimer(Math.max(1, timeoutMillis), id -> call.finish(new RenderResult.Failed(
                RenderOutcome.TIMEOUT, "no complete answer within " + timeoutMillis + " ms")));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.host())
                .setPort(url.port()).setSsl(url.tls()).setURI(url.basePath() + path)
                .setConnectTimeout(Math.max(1, timeoutMillis))
                .putHeader("content-type", "application/json").putHeader("accept", "application/json");
        if (authorization != null) {
            options.putHeader("authorization", authorization);
        }
        try {
            client.request(options).onComplete(ar -> {
                if (ar.failed()) {
                    call.finish(new RenderResult.Failed(RenderOutcome.CONNECTION_ERROR, String.valueOf(ar.cause())));
                    return;
                }
                HttpClientRequest request = ar.result();
                call.request = request;
                if (call.done.get()) { // timed out while connecting
                    request.reset();
                    return;
                }
                request.send(Buffer.buffer(body)).onComplete(rar -> {
                    if (rar.failed()) {
                        call.finish(new RenderResult.Failed(RenderOutcome.CONNECTION_ERROR,
                                String.valueOf(rar.cause())));
                    } else {
                        read(call, rar.result());
                    }
                });
            });
        } catch (RuntimeException e) { // a closed client, say
            call.finish(new RenderResult.Failed(RenderOutcome.CONNECTION_ERROR, String.valueOf(e)));
        }
        return call.result;
    }

    private void read(Call call, HttpClientResponse response) {
        Buffer received = Buffer.buffer(1024);
        response.handler(chunk -> {
            if (received.length() + chunk.length() > MAX_RESPONSE_BYTES) {
                call.finish(new RenderResult.Failed(RenderOutcome.INVALID_RESPONSE,
                        "answer larger than " + MAX_RESPONSE_BYTES + " bytes"));
            } else if (!call.done.get()) {
                received.appendBuffer(chunk);
            }
        });
        response.exceptionHandler(e -> call.finish(new RenderResult.Failed(RenderOutcome.CONNECTION_ERROR,
                String.valueOf(e))));
        response.endHandler(v -> {
            call.ended = true;
            int status = response.statusCode();
            if (status < 200 || status > 299) {
                String text = received.toString(StandardCharsets.UTF_8);
                call.finish(new RenderResult.Failed(RenderOutcome.HTTP_ERROR, "status " + status + ": "
                        + (text.length() > MAX_ERROR_DETAIL ? text.substring(0, MAX_ERROR_DETAIL) + "..." : text)));
                return;
            }
            try {
                call.finish(new RenderResult.Rendered(RenderResponses.tokenIds(received.getBytes())));
            } catch (IOException e) {
                call.finish(new RenderResult.Failed(RenderOutcome.INVALID_RESPONSE, e.getMessage()));
            }
        });
    }

    /** One call: whichever of answer, failure and deadline comes first ends it; the others change nothing. */
    private final class Call {
        final CompletableFuture<RenderResult> result = new CompletableFuture<>();
        final AtomicBoolean done = new AtomicBoolean();
        final long started;
        volatile long timer = -1;
        volatile HttpClientRequest request;
        /** The whole answer arrived: the connection can serve the next call. */
        volatile boolean ended;

        Call(long started) {
            this.started = started;
        }

        void finish(RenderResult outcome) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            inFlight.decrementAndGet();
            vertx.cancelTimer(timer);
            HttpClientRequest r = request;
            if (r != null && !ended) {
                r.reset(); // abandon the exchange midway (deadline, oversized answer): the connection is not reused
            }
            metrics.record(outcome instanceof RenderResult.Failed f ? f.outcome() : RenderOutcome.RENDERED,
                    System.nanoTime() - started);
            result.complete(outcome);
        }
    }
}
