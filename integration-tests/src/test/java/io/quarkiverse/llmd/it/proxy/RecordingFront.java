package io.quarkiverse.llmd.it.proxy;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * A tiny recording reverse proxy in front of a simulated pod: it remembers every request (method, path, headers,
 * body) and forwards it, streaming the answer back. Lets tests see exactly what the proxy sent to a pod.
 */
public final class RecordingFront implements AutoCloseable {

    /** One request as the pod received it. */
    public record Seen(String method, String path, Map<String, String> headers, String body) {

        public JsonObject json() {
            return new JsonObject(body);
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final HttpClient client;
    private final AtomicInteger failNext = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    private RecordingFront(Vertx vertx, HttpServer server, HttpClient client) {
        this.vertx = vertx;
        this.server = server;
        this.client = client;
    }

    public static RecordingFront start(String target) {
        Vertx vertx = Vertx.vertx();
        int colon = target.lastIndexOf(':');
        String host = target.substring(0, colon);
        int port = Integer.parseInt(target.substring(colon + 1));
        HttpClient client = vertx.createHttpClient();
        RecordingFront[] self = new RecordingFront[1];
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            Map<String, String> headers = new TreeMap<>();
            req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
            if (!req.path().equals("/metrics")) {
                self[0].seen.add(new Seen(req.method().name(), req.path(), headers, body.toString()));
                int failWith = self[0].failNext.getAndSet(0);
                if (failWith > 0) {
                    req.response().setStatusCode(failWith).end();
                    return;
                }
            }
            RequestOptions o = new RequestOptions().setMethod(req.method()).setHost(host).setPort(port)
                    .setURI(req.uri());
            client.request(o).compose(creq -> {
                req.headers().forEach(h -> {
                    if (!h.getKey().equalsIgnoreCase("host") && !h.getKey().equalsIgnoreCase("content-length")) {
                        creq.putHeader(h.getKey(), h.getValue());
                    }
                });
                return creq.send(body);
            }).onComplete(ar -> {
                if (ar.failed()) {
                    req.connection().close();
                    return;
                }
                var resp = ar.result();
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
            });
        }));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        self[0] = new RecordingFront(vertx, server, client);
        return self[0];
    }

    public int port() {
        return server.actualPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    public void clear() {
        seen.clear();
        failNext.set(0);
    }

    /** Answers the next request (recorded as usual) with {@code status} and no body, instead of forwarding it. */
    public void failNext(int status) {
        failNext.set(status);
    }

    @Override
    public void close() {
        vertx.close();
    }
}
