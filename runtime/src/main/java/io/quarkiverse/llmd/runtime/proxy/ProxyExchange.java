package io.quarkiverse.llmd.runtime.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pool.EndpointHealth;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.Usage;
import io.quarkiverse.llmd.engine.response.ModelNameRewriter;
import io.quarkiverse.llmd.runtime.pd.Prefiller;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One client request through the proxy, on the client connection's event loop: schedule, optionally prefill remotely
 * (P/D), forward to the chosen endpoint and relay the response. A failure that reached no byte to the client
 * (connection refused, reset, no response head within the time-to-first-byte bound, or a 503 head) counts against
 * the endpoint's health (outlier detection) and is retried once on another endpoint: the decision's next fallback target when the picker returned several, otherwise a new decision that
 * excludes the failed endpoint. Every exit path completes the {@link RoutedRequest}.
 */
final class ProxyExchange {

    private static final Logger LOG = Logger.getLogger(ProxyExchange.class);

    private final OpenAiProxy proxy;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Context context;
    private final String uri;
    private final Map<String, String> headers;
    private final byte[] body;
    private RoutedRequest routed;
    private Endpoint target;
    private byte[] decodeBody;
    private long prefillCached;
    private int retriesLeft;
    private HttpClientRequest upstream;
    private ResponseRelay relay;
    private boolean clientGone;
    /** The director's answer while it may still be queued by flow control. */
    private PendingDecision pending;
    private boolean finished;

    ProxyExchange(OpenAiProxy proxy, HttpServerRequest request, Context context, Map<String, String> headers,
            byte[] body) {
        this.proxy = proxy;
        this.request = request;
        this.response = request.response();
        this.context = context;
        this.uri = request.uri();
        this.headers = headers;
        this.body = body;
        this.retriesLeft = Math.max(0, proxy.config().retries());
    }

    void start() {
        response.closeHandler(v -> clientGone());
        java.util.concurrent.CompletionStage<Decision> decision;
        try {
            pending = proxy.pools().submit(null, request.path(), headers, body, null);
            decision = pending;
        } catch (RuntimeException e) {
            decision = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        decision.whenComplete((d, err) -> {
            if (io.vertx.core.Vertx.currentContext() == context) {
                onDecision(d, err);
            } else {
                context.runOnContext(v -> onDecision(d, err));
            }
        });
    }

    private void onDecision(Decision decision, Throwable err) {
        if (clientGone) {
            if (decision instanceof RoutedRequest r) {
                r.complete(ResponseOutcome.FAILED);
            }
            return;
        }
        if (err != null) {
            LOG.warn("scheduling failed", err);
            finishWithError(500, "scheduling failed: " + err.getMessage(), null);
            return;
        }
        if (decision instanceof Decision.Rejected rejected) {
            finishWithError(rejected.status(), rejected.message(), rejected.droppedReason());
            return;
        }
        routed = (RoutedRequest) decision;
        decodeBody = null;
        prefillCached = 0;
        dispatch(routed.served());
    }

    private void dispatch(Endpoint endpoint) {
        target = endpoint;
        String prefiller = routed.addedHeaders().get(HeaderHygiene.PREFILLER);
        if (decodeBody == null && prefiller != null && proxy.pdConfig().enabled()) {
            if (!proxy.ssrfGuard().allowed(prefiller)) {
                LOG.warnf("prefill destination %s is not an endpoint of the pool; decoding locally", prefiller);
                send(routed.body(), false);
                return;
            }
            proxy.metrics().prefill();
            boolean responses = routed.request().api() == ApiType.RESPONSES;
            proxy.prefiller().prefill(prefiller, uri, forwardHeaders(false), routed.body(), responses)
                    .onComplete(ar -> onPrefill(ar.result()));
            return;
        }
        send(decodeBody != null ? decodeBody : routed.body(), prefiller != null && !proxy.pdConfig().enabled());
    }

    private void onPrefill(Prefiller.Result result) {
        if (clientGone) {
            routed.complete(ResponseOutcome.FAILED);
            return;
        }
        if (result instanceof Prefiller.Proceed p) {
            decodeBody = p.decodeBody();
            prefillCached = p.cachedTokens();
            send(decodeBody, false);
        } else if (result instanceof Prefiller.Reply reply) {
            routed.complete(ResponseOutcome.FAILED);
            finished = true;
            response.setStatusCode(reply.status());
            HeaderHygiene.copyResponseHeaders(reply.headers(), response.headers(), false);
            response.putHeader(HeaderHygiene.SERVED_HEADER, routed.addedHeaders().get(HeaderHygiene.PREFILLER));
            response.end(reply.body());
        } else {
            proxy.metrics().prefillFallback();
            LOG.debugf("P/D fallback to local decode: %s", ((Prefiller.Fallback) result).reason());
            send(routed.body(), false);
        }
    }

    /** Headers for the model server: the client's (cleaned), the scheduler's, and the request id. */
    private Map<String, String> forwardHeaders(boolean keepPrefillerHeader) {
        Map<String, String> h = new HashMap<>(headers);
        routed.addedHeaders().forEach((k, v) -> {
            if (keepPrefillerHeader || !HeaderHygiene.PREFILLER.equals(k)) {
                h.put(k, v);
            }
        });
        h.put(HeaderHygiene.REQUEST_ID, routed.request().requestId());
        h.putIfAbsent("content-type", "application/json");
        return h;
    }

    /**
     * @param keepPrefillerHeader forward {@code x-prefiller-host-port} (P/D delegated to a sidecar on the decode pod)
     */
    private void send(byte[] payload, boolean keepPrefillerHeader) {
        Endpoint endpoint = target;
        long firstByteMillis = proxy.firstByteTimeoutMillis();
        long[] firstByteTimer = { -1 };
        proxy.upstream().send(proxy.upstream().options(HttpMethod.POST, endpoint.address(), uri,
                proxy.readTimeoutMillis()), forwardHeaders(keepPrefillerHeader), Buffer.buffer(payload))
                .compose(req -> {
                    upstream = req;
                    if (clientGone) {
                        req.reset();
                    } else {
                        // a pod that accepts and never answers (stopped, deadlocked) fails the attempt in bounded time
                        firstByteTimer[0] = context.owner().setTimer(firstByteMillis, t -> {
                            firstByteTimer[0] = -2; // fired: the failure below is this timeout, whatever Vert.x says
                            req.reset(0, new TimeoutException("no response head within " + firstByteMillis + " ms"));
                        });
                    }
                    return req.response();
                })
                .onComplete(ar -> {
                    boolean timedOut = firstByteTimer[0] == -2;
                    if (firstByteTimer[0] >= 0) {
                        context.owner().cancelTimer(firstByteTimer[0]);
                    }
                    if (clientGone) {
                        if (ar.succeeded()) {
                            ar.result().request().reset();
                        }
                        return;
                    }
                    if (ar.failed() && timedOut) {
                        routed.upstreamFailed(endpoint, EndpointHealth.Failure.TIMEOUT);
                        attemptFailed(endpoint, 504, "the model server at " + endpoint.address()
                                + " sent no response head within " + firstByteMillis + " ms");
                        return;
                    }
                    if (ar.failed()) {
                        EndpointHealth.Failure kind = failureOf(ar.cause());
                        if (kind != null) {
                            routed.upstreamFailed(endpoint, kind);
                        }
                        attemptFailed(endpoint, statusOf(ar.cause()), "the model server at " + endpoint.address()
                                + " could not be reached: " + ResponseRelay.describe(ar.cause()));
                        return;
                    }
                    HttpClientResponse resp = ar.result();
                    if (resp.statusCode() == 503 && retriesLeft > 0) {
                        resp.request().reset();
                        routed.upstreamFailed(endpoint, EndpointHealth.Failure.SERVER_ERROR);
                        attemptFailed(endpoint, 503, "the model server at " + endpoint.address() + " is unavailable");
                        return;
                    }
                    relay(resp, endpoint);
                });
    }

    /**
     * What a failure says about the endpoint; null when it says nothing (our own connection pool is full: the
     * gateway's limit, not the pod's fault).
     */
    private static EndpointHealth.Failure failureOf(Throwable t) {
        if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
            return null;
        }
        if (t instanceof java.net.ConnectException || t instanceof io.netty.channel.ConnectTimeoutException) {
            return EndpointHealth.Failure.CONNECT;
        }
        return statusOf(t) == 504 ? EndpointHealth.Failure.TIMEOUT : EndpointHealth.Failure.RESET;
    }

    private static int statusOf(Throwable t) {
        if (t instanceof TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException
                || (t.getMessage() != null && t.getMessage().contains("timeout"))) {
            return 504;
        }
        if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
            return 503;
        }
        return 502;
    }

    /**
     * The endpoint failed before any byte reached the client: try the picker's next fallback (the decision and any
     * prefill stand), else reschedule the parsed request without the endpoints that failed (no second admission).
     */
    private void attemptFailed(Endpoint endpoint, int status, String message) {
        proxy.metrics().upstreamFailure();
        LOG.debugf("attempt on %s (%s) failed: %s", endpoint.name(), endpoint.address(), message);
        if (retriesLeft <= 0) {
            routed.complete(ResponseOutcome.FAILED);
            finishWithError(status, message, null);
            return;
        }
        retriesLeft--;
        proxy.metrics().retry();
        List<Endpoint> fallbacks = routed.targets();
        fallbacks.removeIf(e -> e.name().equals(endpoint.name()));
        if (!fallbacks.isEmpty()) {
            routed.failedOver(fallbacks.get(0));
            dispatch(fallbacks.get(0));
            return;
        }
        if (!routed.retryExcluding(endpoint)) {
            routed.complete(ResponseOutcome.FAILED);
            finishWithError(status, message, null); // nowhere else to go: the client sees what the failure was
            return;
        }
        decodeBody = null;
        prefillCached = 0;
        dispatch(routed.served());
    }

    private void relay(HttpClientResponse resp, Endpoint endpoint) {
        RoutedRequest r = routed;
        String incoming = r.request().model();
        String targetModel = r.request().targetModel();
        ModelNameRewriter rewriter = ModelNameRewriter.of(targetModel, incoming);
        long cached = prefillCached;
        relay = new ResponseRelay(resp.request(), resp, response, rewriter, cached, new ResponseRelay.Listener() {
            @Override
            public void started(int status) {
                r.responseStarted(endpoint, status);
            }

            @Override
            public void firstChunk() {
                r.firstChunk();
            }

            @Override
            public void ended(int status, Optional<Usage> usage) {
                finished = true;
                r.complete(ResponseOutcome.of(status, usage.orElse(null), cached));
            }

            @Override
            public void failed(Throwable cause) {
                finished = true;
                if (!clientGone) {
                    proxy.metrics().midStreamFailure();
                }
                r.complete(ResponseOutcome.FAILED);
            }
        });
        relay.start(endpoint.address());
    }

    private void clientGone() {
        // HTTP/2 closes the stream inside response.end(), before the relay reports the end: a response we ended
        // ourselves is not a hang-up
        if (finished || clientGone || response.ended()) {
            return;
        }
        clientGone = true;
        proxy.metrics().clientDisconnect();
        if (pending != null && !pending.isDone()) {
            pending.cancel(); // still queued by flow control: leave the queue
        }
        if (relay != null) {
            relay.cancel();
        } else if (upstream != null) {
            upstream.reset();
        }
        if (routed != null) {
            routed.complete(ResponseOutcome.FAILED);
        }
    }

    private void finishWithError(int status, String message, String droppedReason) {
        finished = true;
        OpenAiErrors.send(response, status, message, null, droppedReason);
    }

}
