package io.quarkiverse.llmd.runtime.autoscaler;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Sends every decision as a CloudEvent (spec 1.0, HTTP binding, binary mode) to a sink: a Knative Broker's ingress,
 * the {@code K_SINK} a SinkBinding injects, or any HTTP endpoint. Binary mode: the body is the decision-log entry as
 * JSON ({@code content-type: application/json}); the attributes travel as {@code ce-*} headers: {@code ce-specversion}
 * 1.0, {@code ce-id} (unique per gateway start), {@code ce-source}, {@code ce-type}, {@code ce-subject}
 * ({@code <namespace>/<variant>}), {@code ce-time}, and the extensions {@code ce-direction} and {@code ce-reason}.
 *
 * <p>
 * Fire and forget, from the autoscaler's worker: at most {@code maxInFlight} events wait for an answer; beyond that an
 * event is dropped and counted, so a slow sink never holds memory or the loop.
 */
final class DecisionCloudEvents {

    private static final Logger LOG = Logger.getLogger(DecisionCloudEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final URI url;
    private final String source;
    private final String type;
    private final int maxInFlight;
    private final boolean changesOnly;
    private final String bootId = Long.toHexString(System.currentTimeMillis());
    private final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    private volatile boolean failing;

    DecisionCloudEvents(Vertx vertx, AutoscalerRuntimeConfig.CloudEventsConfig config) {
        this.url = config.url().orElseThrow();
        if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new IllegalArgumentException("cloud-events.url must be an absolute http(s) URL, got " + url);
        }
        if (config.maxInFlight() < 1) {
            throw new IllegalArgumentException("cloud-events.max-in-flight must be at least 1");
        }
        this.source = config.source();
        this.type = config.type();
        this.maxInFlight = config.maxInFlight();
        this.changesOnly = config.changesOnly();
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis())));
    }

    /** Sends one decision, unless it keeps the count and only changes are wanted. */
    void send(AutoscalerDecisionLog.Entry entry) {
        if (changesOnly && "none".equals(entry.direction())) {
            return;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        Buffer body;
        try {
            body = Buffer.buffer(JSON.writeValueAsBytes(entry));
        } catch (JsonProcessingException e) {
            inFlight.decrementAndGet();
            failed.incrementAndGet();
            return;
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .putHeader("content-type", "application/json")
                .putHeader("ce-specversion", "1.0")
                .putHeader("ce-id", bootId + "-" + entry.sequence())
                .putHeader("ce-source", source)
                .putHeader("ce-type", type)
                .putHeader("ce-subject", entry.namespace() + "/" + entry.variant())
                .putHeader("ce-time", entry.time())
                .putHeader("ce-direction", entry.direction())
                .putHeader("ce-reason", entry.reason());
        client.request(options).compose(request -> request.send(body)).onComplete(result -> {
            inFlight.decrementAndGet();
            boolean ok = result.succeeded() && result.result().statusCode() / 100 == 2;
            if (ok) {
                sent.incrementAndGet();
                if (failing) {
                    failing = false;
                    LOG.infof("CloudEvents sink %s accepts events again", url);
                }
            } else {
                failed.incrementAndGet();
                if (!failing) {
                    // once per outage, not once per event
                    failing = true;
                    LOG.warnf("CloudEvents sink %s refused a decision event: %s", url, result.succeeded()
                            ? "HTTP " + result.result().statusCode()
                            : result.cause().toString());
                }
            }
        });
    }

    void close() {
        client.close();
    }
}
