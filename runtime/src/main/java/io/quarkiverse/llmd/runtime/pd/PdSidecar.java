package io.quarkiverse.llmd.runtime.pd;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.request.Usage;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.PdConfig;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkiverse.llmd.runtime.proxy.OpenAiErrors;
import io.quarkiverse.llmd.runtime.proxy.OpenAiProxy;
import io.quarkiverse.llmd.runtime.proxy.ProxyMetrics;
import io.quarkiverse.llmd.runtime.proxy.ResponseRelay;
import io.quarkiverse.llmd.runtime.proxy.UpstreamClient;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The decode sidecar, as llm-d's {@code pd-sidecar} runs in front of a decode pod's vLLM
 * ({@code quarkus.llmd.pd.sidecar.*}): {@code POST /v1/chat/completions}, {@code /v1/completions} and
 * {@code /v1/responses} read {@code x-prefiller-host-port}; with it, the prefill runs on that pod (which must be an
 * endpoint of the pool, host and port, else 403) and the decode on the local vLLM with the returned
 * {@code kv_transfer_params}; without it, or when the prefill fails with anything but 400-451, the request goes
 * straight to the local vLLM. Every other {@code /v1/*} request passes through unchanged.
 */
@Singleton
public class PdSidecar {

    private static final Logger LOG = Logger.getLogger(PdSidecar.class);
    private static final String[] PD_PATHS = { "/v1/chat/completions", "/v1/completions", "/v1/responses" };

    private final LlmdConfig config;
    private final UpstreamClient upstream;
    private final ProxyMetrics metrics;
    private final SsrfGuard guard;
    private final Prefiller prefiller;

    @Inject
    public PdSidecar(LlmdConfig config, UpstreamClient upstream, ProxyMetrics metrics, PoolDirectory pools) {
        this.config = config;
        this.upstream = upstream;
        this.metrics = metrics;
        this.guard = new SsrfGuard(SsrfGuard.membersOf(pools), config.pd().ssrfProtection());
        this.prefiller = new Prefiller(upstream, config.pd().prefillTimeout().toMillis());
    }

    void routes(@Observes Router router) {
        PdConfig.SidecarConfig sidecar = config.pd().sidecar();
        if (!sidecar.enabled()) {
            return;
        }
        String prefix = sidecar.pathPrefix().orElse("");
        if (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        int strip = prefix.length();
        for (String path : PD_PATHS) {
            boolean responses = path.equals("/v1/responses");
            router.post(prefix + path).handler(ctx -> disaggregate(ctx, strip, responses));
        }
        router.route(prefix + "/v1/*").handler(ctx -> passThrough(ctx, strip));
        LOG.infof("P/D decode sidecar serving %s/v1/* in front of vLLM at %s:%d", prefix, sidecar.vllmHost(),
                sidecar.vllmPort());
    }

    private String localVllm() {
        String host = config.pd().sidecar().vllmHost();
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                + config.pd().sidecar().vllmPort();
    }

    private long maxBody() {
        return config.proxy().maxBodySize().asLongValue();
    }

    private void disaggregate(RoutingContext ctx, int strip, boolean responsesApi) {
        HttpServerRequest request = ctx.request();
        String uri = request.uri().substring(strip);
        String prefillerHeader = request.getHeader(HeaderHygiene.PREFILLER);
        Map<String, String> headers = forwardable(request.headers());
        OpenAiProxy.readBody(ctx, maxBody(), body -> {
            if (prefillerHeader == null || prefillerHeader.isBlank()) {
                forward(request, uri, headers, body, 0);
                return;
            }
            String named = pickPrefiller(prefillerHeader);
            // The member's own address, never the client's spelling of it (see SsrfGuard).
            String prefillHost = guard.target(named);
            if (prefillHost == null) {
                OpenAiErrors.send(request.response(), 403, "prefill destination " + named
                        + " is not an endpoint (host and port) of the inference pool");
                return;
            }
            metrics.prefill();
            prefiller.prefill(prefillHost, uri, headers, body, responsesApi).onComplete(ar -> {
                Prefiller.Result result = ar.result();
                if (result instanceof Prefiller.Proceed p) {
                    forward(request, uri, headers, p.decodeBody(), p.cachedTokens());
                } else if (result instanceof Prefiller.Reply reply) {
                    HttpServerResponse response = request.response();
                    response.setStatusCode(reply.status());
                    copyHeaders(reply.headers(), response);
                    response.end(reply.body());
                } else {
                    metrics.prefillFallback();
                    forward(request, uri, headers, body, 0);
                }
            });
        });
    }

    /** {@code x-prefiller-host-port} may list several hosts; llm-d takes the first (random with sampling on). */
    private static String pickPrefiller(String header) {
        int comma = header.indexOf(',');
        return (comma < 0 ? header : header.substring(0, comma)).trim();
    }

    private static void copyHeaders(MultiMap from, HttpServerResponse to) {
        for (Map.Entry<String, String> h : from) {
            String n = h.getKey().toLowerCase(java.util.Locale.ROOT);
            if (!n.equals("content-length") && !n.equals("transfer-encoding") && !n.equals("connection")) {
                to.headers().add(h.getKey(), h.getValue());
            }
        }
    }

    private static Map<String, String> forwardable(MultiMap headers) {
        Map<String, String> out = new HashMap<>(HeaderHygiene.cleanRequestHeaders(headers));
        out.putIfAbsent("content-type", "application/json");
        return out;
    }

    private void passThrough(RoutingContext ctx, int strip) {
        HttpServerRequest request = ctx.request();
        String uri = request.uri().substring(strip);
        Map<String, String> headers = forwardable(request.headers());
        OpenAiProxy.readBody(ctx, maxBody(), body -> forward(request, uri, headers, body, 0, request.method()));
    }

    private void forward(HttpServerRequest request, String uri, Map<String, String> headers, byte[] body,
            long prefillCached) {
        forward(request, uri, headers, body, prefillCached, HttpMethod.POST);
    }

    private void forward(HttpServerRequest request, String uri, Map<String, String> headers, byte[] body,
            long prefillCached, HttpMethod method) {
        HttpServerResponse response = request.response();
        String target = localVllm();
        boolean withBody = body.length > 0 || method == HttpMethod.POST || method == HttpMethod.PUT;
        upstream.send(upstream.options(method, target, uri, config.proxy().readTimeout().toMillis()), headers,
                withBody ? Buffer.buffer(body) : null)
                .compose(req -> {
                    response.closeHandler(v -> req.reset());
                    return req.response();
                })
                .onComplete(ar -> {
                    if (ar.failed()) {
                        OpenAiErrors.send(response, 502, "the local model server at " + target
                                + " could not be reached: " + ar.cause());
                        return;
                    }
                    HttpClientResponse resp = ar.result();
                    ResponseRelay relay = new ResponseRelay(resp.request(), resp, response, null, prefillCached,
                            new ResponseRelay.Listener() {
                                @Override
                                public void started(int status) {
                                }

                                @Override
                                public void firstChunk() {
                                }

                                @Override
                                public void ended(int status, Optional<Usage> usage) {
                                }

                                @Override
                                public void failed(Throwable cause) {
                                    metrics.midStreamFailure();
                                }
                            });
                    response.closeHandler(v -> relay.cancel());
                    relay.start(target);
                });
    }
}
