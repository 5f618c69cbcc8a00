package io.quarkiverse.llmd.runtime.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.engine.request.RequestHeaders;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.PdConfig;
import io.quarkiverse.llmd.runtime.config.ProxyConfig;
import io.quarkiverse.llmd.runtime.pd.Prefiller;
import io.quarkiverse.llmd.runtime.pd.SsrfGuard;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The standalone OpenAI-compatible proxy on the HTTP port: {@code POST /v1/completions}, {@code /v1/chat/completions},
 * {@code /v1/responses} and {@code /v1/embeddings} are scheduled by the {@link RequestPipeline} and forwarded to the
 * chosen model server; {@code GET /v1/models} merges the model lists of the pool. Everything runs on the event loop
 * and never blocks: the request body is read once (bounded), the response streams through.
 */
@Singleton
public class OpenAiProxy {

    private static final Logger LOG = Logger.getLogger(OpenAiProxy.class);

    /** A refused upload up to this size is read and dropped so the client sees the 413; larger ones are cut. */
    private static final long DRAIN_LIMIT = 64L * 1024 * 1024;
    private static final long DRAIN_TIMEOUT_MS = 5_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The inference routes, scheduled and forwarded. */
    public static final List<String> POST_PATHS = List.of("/v1/completions", "/v1/chat/completions", "/v1/responses",
            "/v1/embeddings");

    private final PoolDirectory pools;
    private final LlmdConfig config;
    private final UpstreamClient upstream;
    private final ProxyMetrics metrics;
    private final SsrfGuard ssrfGuard;
    private final Prefiller prefiller;
    /** The accepted API keys, or null when the proxy does not authenticate. */
    private final ApiKeys apiKeys;
    private static final String TENANT = "llmd.tenant";

    @Inject
    public OpenAiProxy(PoolDirectory pools, LlmdConfig config, UpstreamClient upstream, ProxyMetrics metrics) {
        this.pools = pools;
        this.config = config;
        this.upstream = upstream;
        this.metrics = metrics;
        this.ssrfGuard = new SsrfGuard(SsrfGuard.membersOf(pools), config.pd().ssrfProtection());
        this.prefiller = new Prefiller(upstream, config.pd().prefillTimeout().toMillis());
        this.apiKeys = config.proxy().apiKeysFile().map(ApiKeys::load).orElse(null);
        if (apiKeys != null) {
            LOG.infof("OpenAI proxy: API keys required (%d key(s) from %s)", apiKeys.size(),
                    config.proxy().apiKeysFile().get());
        }
    }

    /**
     * With API keys configured, lets through only requests whose key is known, recording its tenant; anything else
     * gets 401 (the connection is closed, as its body is not read). The key itself is never logged.
     */
    private void authenticate(RoutingContext ctx) {
        if (apiKeys == null) {
            ctx.next();
            return;
        }
        HttpServerRequest request = ctx.request();
        String tenant = apiKeys.tenantOf(request.getHeader("authorization"), request.getHeader("api-key"));
        if (tenant == null) {
            boolean presented = request.getHeader("authorization") != null || request.getHeader("api-key") != null;
            ctx.response().putHeader("www-authenticate", "Bearer").putHeader("connection", "close");
            OpenAiErrors.send(ctx.response(), 401, presented ? "Incorrect API key provided."
                    : "You didn't provide an API key: send it as 'Authorization: Bearer <key>'.");
            return;
        }
        ctx.put(TENANT, tenant);
        ctx.next();
    }

    void routes(@Observes Router router) {
        boolean sidecarAtRoot = config.pd().sidecar().enabled()
                && config.pd().sidecar().pathPrefix().map(String::isEmpty).orElse(true);
        if (!config.proxy().enabled() || sidecarAtRoot) {
            LOG.debugf("OpenAI proxy routes off (proxy.enabled=%s, sidecar at /v1: %s)", config.proxy().enabled(),
                    sidecarAtRoot);
            return;
        }
        router.route("/v1/*").handler(this::authenticate);
        for (String path : POST_PATHS) {
            router.post(path).handler(this::inference);
        }
        router.get("/v1/models").handler(this::models);
        router.route("/v1/*").handler(ctx -> {
            boolean known = POST_PATHS.contains(ctx.request().path()) || "/v1/models".equals(ctx.request().path());
            if (known) {
                ctx.response().putHeader("allow", "/v1/models".equals(ctx.request().path()) ? "GET" : "POST");
                OpenAiErrors.send(ctx.response(), 405, "Method Not Allowed");
            } else {
                OpenAiErrors.send(ctx.response(), 404, "Not Found: " + ctx.request().path());
            }
        });
        LOG.infof("OpenAI proxy serving %s and GET /v1/models", POST_PATHS);
    }

    private void inference(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Context context = Vertx.currentContext();
        Map<String, String> headers = HeaderHygiene.cleanRequestHeaders(request.headers());
        String tenant = ctx.get(TENANT);
        if (tenant != null) {
            // the gateway's credentials stay here; the tenant, not the client, says who the request is for
            headers.remove("authorization");
            headers.remove("api-key");
            headers.remove(RequestHeaders.FAIRNESS_ID_LEGACY);
            headers.put(RequestHeaders.FAIRNESS_ID, tenant);
        }
        readBody(ctx, maxBodyBytes(), body -> {
            try {
                new ProxyExchange(this, request, context, headers, body).start();
            } catch (RuntimeException e) {
                LOG.error("proxying " + request.path() + " failed", e);
                OpenAiErrors.send(request.response(), 500, "internal error: " + e.getMessage());
            }
        });
    }

    /**
     * Reads the whole request body once, refusing more than {@code max} bytes with 413 (an OpenAI-style error; the
     * rest of a moderately large upload is read and dropped before the connection closes, so that the client, still
     * sending, is not reset before it reads the answer).
     */
    public static void readBody(RoutingContext ctx, long max, Handler<byte[]> then) {
        HttpServerRequest request = ctx.request();
        if (ctx.body() != null && ctx.body().available() && ctx.body().buffer() != null) {
            Buffer b = ctx.body().buffer(); // a body handler upstream in the chain read it already
            if (b.length() > max) {
                tooLarge(request, max);
            } else {
                then.handle(b.getBytes());
            }
            return;
        }
        String length = request.getHeader("content-length");
        if (length != null) {
            try {
                long declared = Long.parseLong(length.trim());
                if (declared > max) {
                    tooLarge(request, max);
                    if (declared > DRAIN_LIMIT) {
                        request.connection().close(); // too much to drain: the client may see a reset instead
                    } else {
                        request.handler(ignored -> {
                        });
                        request.endHandler(v -> request.connection().close());
                        request.resume();
                    }
                    return;
                }
            } catch (NumberFormatException e) {
                OpenAiErrors.send(request.response(), 400, "invalid content-length");
                return;
            }
        }
        Buffer body = Buffer.buffer(length == null ? 1024 : (int) Math.min(max, Long.parseLong(length.trim())));
        boolean[] refused = { false };
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                refused[0] = true;
                tooLarge(request, max);
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(t -> refused[0] = true);
        request.endHandler(v -> {
            if (refused[0]) {
                request.connection().close(); // the 413 is out and the client has finished sending
            } else {
                then.handle(body.getBytes());
            }
        });
        request.resume();
    }

    private static void tooLarge(HttpServerRequest request, long max) {
        io.vertx.core.http.HttpServerResponse response = request.response();
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(413).putHeader("content-type", "application/json").putHeader("connection", "close")
                .end(OpenAiErrors.json(413, "Request body is larger than " + max + " bytes.", null));
        if (request.isEnded()) {
            request.connection().close();
        } else {
            // a client that stops sending halfway is cut after a while
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            if (context != null) {
                context.owner().setTimer(DRAIN_TIMEOUT_MS, t -> request.connection().close());
            }
        }
    }

    /**
     * {@code GET /v1/models}: every pool's models. The models pools declare are listed as such; the endpoints of a
     * pool that takes any model are asked: with {@code models=merge} in parallel, the lists merged by model id (first
     * answer wins for duplicates, endpoint order); with {@code first} one after the other until one answers. Nothing
     * to list at all ⇒ 503.
     */
    private void models(RoutingContext ctx) {
        Pools now = pools.current();
        Pool catchAll = now.catchAll();
        List<Endpoint> endpoints = catchAll == null ? List.of() : catchAll.registry().endpoints();
        Future<List<JsonNode>> lists;
        if (endpoints.isEmpty()) {
            lists = Future.succeededFuture(List.of());
        } else if (config.proxy().models() == ProxyConfig.ModelsMode.FIRST) {
            lists = firstModels(endpoints, 0).map(n -> n == null ? List.<JsonNode> of() : List.of(n));
        } else {
            List<Future<JsonNode>> all = new ArrayList<>();
            for (Endpoint e : endpoints) {
                all.add(fetchModels(e).otherwise((JsonNode) null));
            }
            lists = Future.join(all).map(cf -> {
                List<JsonNode> out = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    JsonNode n = cf.resultAt(i);
                    if (n != null) {
                        out.add(n);
                    }
                }
                return out;
            }).otherwise(List.of());
        }
        lists.onComplete(ar -> {
            Map<String, JsonNode> byId = new LinkedHashMap<>();
            for (Pool p : now.all()) {
                for (String model : p.models()) {
                    byId.putIfAbsent(model, JSON.createObjectNode().put("id", model).put("object", "model")
                            .put("owned_by", p.name()));
                }
            }
            List<JsonNode> answers = ar.succeeded() ? ar.result() : List.of();
            for (JsonNode answer : answers) {
                for (JsonNode m : answer.path("data")) {
                    String id = m.path("id").asText(null);
                    if (id != null) {
                        byId.putIfAbsent(id, m);
                    }
                }
            }
            if (byId.isEmpty()) {
                OpenAiErrors.send(ctx.response(), 503, endpoints.isEmpty() && catchAll != null
                        ? "no endpoints available in the pool" : "no endpoint of the pool answered GET /v1/models");
                return;
            }
            ObjectNode out = JSON.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            byId.values().forEach(data::add);
            ctx.response().putHeader("content-type", "application/json").end(out.toString());
        });
    }

    private Future<JsonNode> firstModels(List<Endpoint> endpoints, int i) {
        if (i >= endpoints.size()) {
            return Future.succeededFuture(null);
        }
        return fetchModels(endpoints.get(i)).recover(t -> firstModels(endpoints, i + 1));
    }

    private Future<JsonNode> fetchModels(Endpoint e) {
        long timeout = Math.min(readTimeoutMillis(), 10_000);
        return upstream.send(upstream.options(HttpMethod.GET, e.address(), "/v1/models", timeout), Map.of(), null)
                .compose(req -> req.response())
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        resp.request().reset();
                        return Future.failedFuture("status " + resp.statusCode());
                    }
                    return resp.body();
                })
                .map(b -> {
                    try {
                        return JSON.readTree(b.getBytes());
                    } catch (java.io.IOException ex) {
                        throw new IllegalStateException(ex);
                    }
                });
    }

    // ---- used by ProxyExchange

    /** The pools in force now, read once per request. */
    Pools pools() {
        return pools.current();
    }

    ProxyConfig config() {
        return config.proxy();
    }

    PdConfig pdConfig() {
        return config.pd();
    }

    UpstreamClient upstream() {
        return upstream;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    SsrfGuard ssrfGuard() {
        return ssrfGuard;
    }

    Prefiller prefiller() {
        return prefiller;
    }

    long readTimeoutMillis() {
        return config.proxy().readTimeout().toMillis();
    }

    long firstByteTimeoutMillis() {
        return Math.max(1, config.proxy().firstByteTimeout().toMillis());
    }

    long maxBodyBytes() {
        return config.proxy().maxBodySize().asLongValue();
    }
}
