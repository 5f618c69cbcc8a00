package io.quarkiverse.llmd.runtime.proxy;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The pooled HTTP/1.1 client towards model servers, shared by the proxy, the P/D orchestration and the sidecar:
 * keep-alive, no pipelining (a slow stream must not hold up the next request), no compression (bodies are
 * inspected), one pool of {@code quarkus.llmd.proxy.pool-size} connections per endpoint.
 */
@Singleton
public class UpstreamClient {

    private final Vertx vertx;
    private final ProxyConfig config;
    private volatile HttpClient client;

    @Inject
    public UpstreamClient(Vertx vertx, LlmdConfig config) {
        this.vertx = vertx;
        this.config = config.proxy();
    }

    /** The shared client, created on first use. */
    public HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    HttpClientOptions options = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1)
                            .setKeepAlive(true).setPipelining(false).setTryUseCompression(false)
                            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                            .setKeepAliveTimeout((int) Math.max(1, config.idleTimeout().toSeconds()))
                            .setMaxHeaderSize(65536).setMaxInitialLineLength(16384).setName("llmd-proxy");
                    PoolOptions pool = new PoolOptions().setHttp1MaxSize(Math.max(1, config.poolSize()))
                            .setMaxWaitQueueSize(config.maxWaitQueue());
                    c = vertx.createHttpClient(options, pool);
                    client = c;
                }
            }
        }
        return c;
    }

    /** Options of a request to {@code hostPort}, with the configured connect and read (idle) timeouts. */
    public RequestOptions options(HttpMethod method, String hostPort, String uri, long readTimeoutMillis) {
        EndpointAddress hp = EndpointAddress.parse(hostPort);
        return new RequestOptions().setMethod(method).setHost(hp.host()).setPort(hp.hasPort() ? hp.port() : 80)
                .setURI(uri).setConnectTimeout(config.connectTimeout().toMillis())
                .setIdleTimeout(readTimeoutMillis);
    }

    /**
     * Sends a request with a complete body; the future completes with the request once its headers are set and the
     * body is handed over, and the caller reads the response from {@link HttpClientRequest#response()}.
     */
    public Future<HttpClientRequest> send(RequestOptions options, Map<String, String> headers, Buffer body) {
        return client().request(options).map(req -> {
            headers.forEach(req::putHeader);
            if (body != null) {
                req.putHeader("content-length", Integer.toString(body.length()));
                req.end(body);
            } else {
                req.end();
            }
            return req;
        });
    }

    public ProxyConfig config() {
        return config;
    }

    @PreDestroy
    void close() {
        HttpClient c = client;
        if (c != null) {
            try {
                c.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // shutting down
            }
        }
    }
}
