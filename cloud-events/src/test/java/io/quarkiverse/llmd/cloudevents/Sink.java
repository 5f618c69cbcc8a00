package io.quarkiverse.llmd.cloudevents;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A CloudEvents sink on a free port, on a Vert.x instance of its own: it records what it receives and answers as the
 * test tells it, 202 (as a Knative Broker does), 500, or not at all until released.
 */
public final class Sink implements QuarkusTestResourceLifecycleManager {

    /** How the sink answers. */
    enum Mode {
        ACCEPT,
        FAIL,
        SILENT
    }

    /** One request as received: headers with lower-case names, and the body. */
    record Received(Map<String, String> headers, String body) {
    }

    static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    private static final List<HttpServerRequest> HELD = new CopyOnWriteArrayList<>();
    static volatile Mode mode = Mode.ACCEPT;

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server;
        try {
            server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
                Map<String, String> headers = new TreeMap<>();
                request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT),
                        h.getValue()));
                RECEIVED.add(new Received(headers, body.toString()));
                switch (mode) {
                    case ACCEPT -> request.response().setStatusCode(202).end();
                    case FAIL -> request.response().setStatusCode(500).end();
                    case SILENT -> HELD.add(request);
                }
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        } catch (Exception e) {
            throw new IllegalStateException("the sink did not start", e);
        }
        return Map.of("quarkus.llmd.autoscaler.cloud-events.url",
                "http://127.0.0.1:" + server.actualPort() + "/broker/llm/default");
    }

    /** Answers every request held in silent mode with 202, and accepts from now on. */
    static void release() {
        mode = Mode.ACCEPT;
        for (HttpServerRequest r : HELD) {
            r.response().setStatusCode(202).end();
        }
        HELD.clear();
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
