package io.quarkiverse.llmd.it.faults;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * A switchable relay in front of one simulated pod, so a test can make the pod misbehave while load runs: the
 * gateway talks to this front as if it were the pod. Inference requests and {@code /metrics} are relayed, streamed
 * answers chunk by chunk, unless a fault is on.
 */
final class FaultyFront implements AutoCloseable {

    /** What the "pod" does with inference requests. */
    enum Mode {
        /** Relays everything. */
        HEALTHY,
        /** The process is gone: every open connection is closed, new ones are closed as soon as accepted. */
        KILLED,
        /** Accepts the request and never answers (the connection stays open). {@code /metrics} still answers. */
        HUNG,
        /** Waits {@link #slowMillis} before relaying. */
        SLOW,
        /** Answers 503, as vLLM does when it is overloaded or not ready. */
        ERRORS
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
    private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
    /** Requests being relayed, so that a kill cuts their streams at once rather than after they end. */
    private final Set<HttpServerRequest> relaying = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.HEALTHY;
    private volatile boolean metricsStalled;
    private volatile long slowMillis = 1000;
    /** Inference requests that reached this front while a fault was on. */
    final AtomicInteger faulted = new AtomicInteger();

    private FaultyFront(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    static FaultyFront start(Vertx vertx, String target) {
        int colon = target.lastIndexOf(':');
        String host = target.substring(0, colon);
        int port = Integer.parseInt(target.substring(colon + 1));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(512));
        FaultyFront[] self = new FaultyFront[1];
        HttpServer server = vertx.createHttpServer()
                .connectionHandler(conn -> {
                    if (self[0].mode == Mode.KILLED) {
                        conn.close();
                        return;
                    }
                    self[0].connections.add(conn);
                    conn.closeHandler(v -> self[0].connections.remove(conn));
                })
                .requestHandler(req -> self[0].handle(req, client, host, port));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        self[0] = new FaultyFront(vertx, server);
        return self[0];
    }

    private void handle(HttpServerRequest req, HttpClient client, String host, int port) {
        boolean metrics = req.path().equals("/metrics");
        Mode m = mode;
        if (m == Mode.KILLED) {
            req.connection().close();
            return;
        }
        if (metrics && metricsStalled) {
            held.add(req); // never answered: the scrape times out
            return;
        }
        if (!metrics && m != Mode.HEALTHY) {
            faulted.incrementAndGet();
            switch (m) {
                case HUNG -> {
                    held.add(req);
                    return;
                }
                case ERRORS -> {
                    req.response().setStatusCode(503).putHeader("content-type", "application/json")
                            .end("{\"object\":\"error\",\"message\":\"The server is overloaded or not ready yet.\","
                                    + "\"type\":\"ServiceUnavailableError\",\"code\":503}");
                    return;
                }
                case SLOW -> {
                    req.pause();
                    vertx.setTimer(slowMillis, id -> {
                        req.resume();
                        relay(req, client, host, port);
                    });
                    return;
                }
                default -> {
                    // HEALTHY and KILLED handled above
                }
            }
        }
        relay(req, client, host, port);
    }

    private void relay(HttpServerRequest req, HttpClient client, String host, int port) {
        relaying.add(req);
        req.response().endHandler(v -> relaying.remove(req));
        req.response().closeHandler(v -> relaying.remove(req));
        forward(req, client, host, port);
    }

    private static void forward(HttpServerRequest req, HttpClient client, String host, int port) {
        req.body().onSuccess(body -> client.request(new RequestOptions().setMethod(req.method()).setHost(host)
                .setPort(port).setURI(req.uri())).compose(creq -> {
                    req.headers().forEach(h -> {
                        if (!h.getKey().equalsIgnoreCase("host") && !h.getKey().equalsIgnoreCase("content-length")) {
                            creq.putHeader(h.getKey(), h.getValue());
                        }
                    });
                    // the gateway hung up (client disconnect, timeout): the pod must see it too
                    req.response().closeHandler(v -> creq.reset());
                    creq.exceptionHandler(t -> req.connection().close());
                    return creq.send(body);
                }).onComplete(ar -> {
                    if (ar.failed()) {
                        req.connection().close();
                        return;
                    }
                    var resp = ar.result();
                    resp.exceptionHandler(t -> req.connection().close());
                    req.response().setStatusCode(resp.statusCode());
                    resp.headers().forEach(h -> {
                        if (!h.getKey().equalsIgnoreCase("content-length")
                                && !h.getKey().equalsIgnoreCase("transfer-encoding")) {
                            req.response().putHeader(h.getKey(), h.getValue());
                        }
                    });
                    req.response().setChunked(true);
                    resp.handler(b -> req.response().write(b));
                    resp.endHandler(v -> req.response().end());
                    resp.exceptionHandler(t -> req.connection().close());
                }));
    }

    int port() {
        return server.actualPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** Switches the fault; killing closes every open connection at once, mid-stream ones included. */
    void mode(Mode mode) {
        this.mode = mode;
        if (mode == Mode.KILLED) {
            relaying.forEach(r -> r.response().reset());
            connections.forEach(HttpConnection::close);
        }
    }

    void slowMillis(long millis) {
        this.slowMillis = millis;
    }

    void stallMetrics(boolean stalled) {
        this.metricsStalled = stalled;
    }

    /** Back to healthy: held requests are dropped with their connections, as a restarted pod would. */
    void heal() {
        mode = Mode.HEALTHY;
        metricsStalled = false;
        for (HttpServerRequest r : held) {
            r.connection().close();
        }
        held.clear();
    }

    @Override
    public void close() {
        heal();
        server.close();
    }
}
