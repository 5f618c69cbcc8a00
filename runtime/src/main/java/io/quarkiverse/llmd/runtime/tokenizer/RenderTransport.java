package io.quarkiverse.llmd.runtime.tokenizer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * What the {@code vllm} backend of {@code token-producer} needs from the application: Vert.x for non-blocking HTTP
 * calls and, when present, the meter registry. HTTP clients are shared between producers with the same TLS settings
 * and pool size, so that pools added and replaced at runtime (their plugins are never closed) do not leak clients:
 * their number is bounded by the distinct settings in the configurations.
 */
public final class RenderTransport {

    /** Connection pool settings of one client. */
    record ClientKey(boolean insecureSkipVerify, String caCertPath, int poolSize) {
    }

    private final Vertx vertx;
    private final MeterRegistry meters;
    private final Map<ClientKey, HttpClient> clients = new ConcurrentHashMap<>();

    /**
     * @param vertx the application's Vert.x
     * @param meters where render metrics go, or null for none
     */
    public RenderTransport(Vertx vertx, MeterRegistry meters) {
        this.vertx = vertx;
        this.meters = meters;
    }

    Vertx vertx() {
        return vertx;
    }

    MeterRegistry meters() {
        return meters;
    }

    HttpClient client(ClientKey key) {
        return clients.computeIfAbsent(key, k -> {
            // HTTP/1.1 with keep-alive and no pipelining, as llm-d talks to vLLM (which has no HTTP/2)
            HttpClientOptions options = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1)
                    .setKeepAlive(true).setPipelining(false).setTryUseCompression(false).setName("llmd-render");
            if (k.insecureSkipVerify()) {
                options.setTrustAll(true).setVerifyHost(false);
            } else if (k.caCertPath() != null) {
                options.setTrustOptions(new PemTrustOptions().addCertPath(k.caCertPath()));
            }
            return vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(k.poolSize()));
        });
    }
}
