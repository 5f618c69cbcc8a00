package io.quarkiverse.llmd.it.kvevents;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * A render server that takes every call and never answers, so that requests stay in the pipeline's preparation step
 * for as long as a test needs. Its base URL is published as {@code kvevents.silent-render-url}.
 */
public class SilentRenderServerResource implements QuarkusTestResourceLifecycleManager {

    static final AtomicInteger CALLS = new AtomicInteger();
    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body()
                    .onSuccess(b -> CALLS.incrementAndGet())).listen(0, "127.0.0.1").toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            return Map.of("kvevents.silent-render-url", "http://127.0.0.1:" + server.actualPort());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
