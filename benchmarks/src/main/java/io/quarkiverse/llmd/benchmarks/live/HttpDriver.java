package io.quarkiverse.llmd.benchmarks.live;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.benchmarks.sim.RequestLog;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Streams OpenAI requests over HTTP/1.1 with a non-blocking Vert.x client (keep-alive, a large connection pool):
 * {@code proxy} mode sends every request to the gateway URL(s), {@code direct} mode round-robins over pod URLs. The
 * server-sent events are read as they arrive: the first chunk with non-empty content ({@code delta.content} or
 * {@code text}) is the first token; the {@code usage} chunk ({@code stream_options.include_usage}) gives prompt,
 * cached and completion tokens; {@code data: [DONE]} or the end of the response ends the request. One event loop does
 * all the I/O (the client is rarely the bottleneck of a streaming benchmark; {@code max_send_lag_s} would show it).
 */
final class HttpDriver implements Driver {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LiveRun run;
    private final List<URI> targets;
    private final boolean roundRobin;
    private final Vertx vertx;
    private final HttpClient client;
    private final Context context;
    private final long timeoutMs;
    private final AtomicLong next = new AtomicLong();

    HttpDriver(LiveRun run, List<URI> targets, boolean roundRobin, int connections, double timeoutSeconds) {
        this.run = run;
        this.targets = targets;
        this.roundRobin = roundRobin;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        // every request is issued on this one event-loop context, so that a response's handlers are set in the same
        // task that delivers its headers (from another thread the future's listeners run in a later task, by which
        // time a short response may already have ended)
        this.context = vertx.getOrCreateContext();
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setPipelining(false).setMaxInitialLineLength(8192),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        this.timeoutMs = timeoutSeconds > 0 ? (long) (timeoutSeconds * 1000) : 0;
    }

    @Override
    public List<String> targets() {
        return targets.stream().map(URI::toString).toList();
    }

    @Override
    public void send(int i, byte[] body, String path) {
        if (Vertx.currentContext() == context) {
            doSend(i, body, path);
        } else {
            context.runOnContext(v -> doSend(i, body, path));
        }
    }

    private void doSend(int i, byte[] body, String path) {
        int t = roundRobin ? (int) (next.getAndIncrement() % targets.size()) : 0;
        URI base = targets.get(t);
        LiveLog log = run.log();
        log.pod[i] = roundRobin ? t : -1;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : 80)
                .setURI(stripSlash(base.getPath()) + path)
                .putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");
        Stream s = new Stream(i);
        client.request(options).compose(req -> {
            if (timeoutMs > 0) {
                // the workload's request_timeout, from the send: abort the request and count it as timed out
                vertx.setTimer(timeoutMs, id -> {
                    if (!log.isSettled(i)) {
                        run.end(i, RequestLog.TIMEOUT, "timeout: request_timeout (" + timeoutMs / 1000.0 + " s)");
                        req.reset();
                    }
                });
            }
            return req.send(Buffer.buffer(body));
        }).onComplete(ar -> {
            if (ar.failed()) {
                s.fail(ar.cause());
                return;
            }
            var resp = ar.result();
            if (resp.statusCode() != 200) {
                int code = resp.statusCode();
                resp.body().onComplete(b -> run.failed(i, "HTTP " + code + ": "
                        + errorMessage(b.succeeded() ? b.result().toString(StandardCharsets.UTF_8) : "")));
                return;
            }
            resp.handler(s::chunk);
            resp.exceptionHandler(s::fail);
            resp.endHandler(v -> {
                if (s.firstDone) {
                    s.end(RequestLog.OK);
                } else {
                    s.noContent();
                }
            });
        });
    }

    /**
     * What an error body says: OpenAI's {@code error.message}, vLLM's top-level {@code message}, else the start of the
     * body; so that the summary tells a wrong model from an overloaded server.
     */
    static String errorMessage(String body) {
        String text = body.strip();
        try {
            JsonNode n = JSON.readTree(text);
            JsonNode m = n.path("error").isObject() ? n.path("error").path("message") : n.path("message");
            if (m.isTextual() && !m.asText().isBlank()) {
                text = m.asText();
            } else if (n.path("error").isTextual()) {
                text = n.path("error").asText();
            }
        } catch (Exception e) {
            // not JSON: the text itself
        }
        text = text.replaceAll("\\s+", " ");
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }

    private static String stripSlash(String p) {
        if (p == null) {
            return "";
        }
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** The SSE parser of one response; runs on one event loop. */
    private final class Stream {
        final int i;
        final StringBuilder pending = new StringBuilder();
        boolean firstDone;
        int contentChunks;
        boolean usageSeen;

        Stream(int i) {
            this.i = i;
        }

        void chunk(Buffer b) {
            double now = run.now();
            pending.append(b.toString(StandardCharsets.UTF_8));
            int start = 0;
            while (true) {
                int nl = pending.indexOf("\n", start);
                if (nl < 0) {
                    break;
                }
                String line = pending.substring(start, nl).trim();
                start = nl + 1;
                if (line.startsWith("data:")) {
                    event(line.substring(5).trim(), now);
                }
            }
            pending.delete(0, start);
        }

        void event(String data, double now) {
            if (data.isEmpty() || data.equals("[DONE]")) {
                return;
            }
            boolean mayHaveContent = data.contains("\"content\":\"") || data.contains("\"text\":\"");
            boolean hasUsage = data.contains("\"usage\":{");
            if (!mayHaveContent && !hasUsage) {
                return;
            }
            JsonNode node;
            try {
                node = JSON.readTree(data);
            } catch (Exception e) {
                return;
            }
            JsonNode choice = node.path("choices").path(0);
            String text = choice.has("delta") ? choice.path("delta").path("content").asText("")
                    : choice.path("text").asText("");
            LiveLog log = run.log();
            if (!text.isEmpty()) {
                contentChunks++;
                if (!firstDone) {
                    firstDone = true;
                    log.firstToken[i] = now;
                }
            }
            JsonNode usage = node.get("usage");
            if (usage != null && usage.isObject()) {
                usageSeen = true;
                log.promptTokens[i] = usage.path("prompt_tokens").asInt(log.promptTokens[i]);
                log.outputTokens[i] = usage.path("completion_tokens").asInt(contentChunks);
                log.cachedTokens[i] = usage.path("prompt_tokens_details").path("cached_tokens").asInt(0);
            }
        }

        void end(byte status) {
            LiveLog log = run.log();
            if (!usageSeen) {
                log.outputTokens[i] = contentChunks;
            }
            run.ended(i, status);
        }

        void fail(Throwable t) {
            run.failed(i, t);
        }

        /** A 200 stream that ended without any content chunk: the request failed although the status said not. */
        void noContent() {
            if (!usageSeen) {
                run.log().outputTokens[i] = contentChunks;
            }
            run.failed(i, "HTTP 200 stream ended without content");
        }
    }

    @Override
    public void close() {
        try {
            client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
    }
}
