package io.quarkiverse.llmd.cloudevents;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerDecisionLog;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerRuntimeConfig;
import io.quarkiverse.llmd.runtime.autoscaler.DecisionListener;
import io.quarkus.reactivemessaging.http.runtime.OutgoingHttpMetadata;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.vertx.core.buffer.Buffer;

/**
 * Sends every autoscaler decision as a CloudEvent (spec 1.0, HTTP binding, binary mode) on the Reactive Messaging
 * channel {@value #CHANNEL}, which this module wires to the {@code quarkus-http} connector and to
 * {@code quarkus.llmd.autoscaler.cloud-events.url}. The body is the decision-log entry as JSON, with
 * {@code content-type: application/json}; the attributes travel as {@code ce-*} headers: {@code ce-specversion},
 * {@code ce-id} (unique per gateway start), {@code ce-source}, {@code ce-type}, {@code ce-subject}
 * ({@code <namespace>/<variant>}), {@code ce-time}, and the extensions {@code ce-direction} and {@code ce-reason}.
 *
 * <p>
 * Never blocks the autoscaler: {@link #decided} hands the message to the emitter and returns. The connector sends one
 * request at a time and acknowledges a message on a 2xx answer; at most {@code max-in-flight} messages wait for
 * that, beyond which new ones are dropped. What became of each event is counted in
 * {@code llmd_autoscaler_cloud_events_total{outcome="sent|failed|dropped"}}.
 */
@Singleton
public class DecisionCloudEvents implements DecisionListener {

    /** The channel decisions go out on. */
    public static final String CHANNEL = "llmd-autoscaler-decisions";

    private static final Logger LOG = Logger.getLogger(DecisionCloudEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "quarkus.llmd.autoscaler.cloud-events";

    // The buffer is bounded by max-in-flight below, which counts buffered messages too; the emitter's own bound
    // would refuse sends with an exception instead of counting a drop.
    @Inject
    @Channel(CHANNEL)
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<Buffer> emitter;

    @Inject
    AutoscalerRuntimeConfig config;

    @Inject
    Instance<MeterRegistry> registry;

    private boolean enabled;
    private URI sink;
    private URI source;
    private String type;
    private boolean changesOnly;
    private int maxInFlight;
    private final String bootId = Long.toHexString(System.currentTimeMillis());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean failing;

    @PostConstruct
    void init() {
        AutoscalerRuntimeConfig.CloudEventsConfig c = config.cloudEvents();
        enabled = c.url().isPresent();
        if (!enabled) {
            return;
        }
        sink = c.url().get();
        if (sink.getHost() == null || !("http".equals(sink.getScheme()) || "https".equals(sink.getScheme()))) {
            throw new ConfigException(PREFIX, 0, "url", "must be an absolute http(s) URL, got " + sink);
        }
        if (c.maxInFlight() < 1) {
            throw new ConfigException(PREFIX, 0, "max-in-flight", "must be at least 1, got " + c.maxInFlight());
        }
        try {
            source = new URI(c.source());
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(PREFIX, 0, "source", "must be a URI reference: " + e.getMessage());
        }
        type = c.type();
        changesOnly = c.changesOnly();
        maxInFlight = c.maxInFlight();
        if (registry.isResolvable()) {
            for (var outcome : Map.of("sent", sent, "failed", failed, "dropped", dropped).entrySet()) {
                FunctionCounter.builder("llmd_autoscaler_cloud_events", outcome.getValue(), AtomicLong::get)
                        .tag("outcome", outcome.getKey()).description("Decision CloudEvents by outcome")
                        .register(registry.get());
            }
        }
    }

    @Override
    public void decided(AutoscalerDecisionLog.Entry entry) {
        if (!enabled || changesOnly && "none".equals(entry.direction())) {
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
            done(false, e);
            return;
        }
        OutgoingCloudEventMetadata<Object> event = OutgoingCloudEventMetadata.builder()
                .withSpecVersion("1.0")
                .withId(bootId + "-" + entry.sequence())
                .withSource(source)
                .withType(type)
                .withSubject(entry.namespace() + "/" + entry.variant())
                .withTimestamp(Instant.parse(entry.time()).atZone(ZoneOffset.UTC))
                .withExtension("direction", entry.direction())
                .withExtension("reason", entry.reason())
                .build();
        // binary mode carries datacontenttype as the content-type header, not as a ce- attribute
        OutgoingHttpMetadata http = new OutgoingHttpMetadata.Builder().addHeader("content-type", "application/json")
                .build();
        try {
            emitter.send(Message.of(body, Metadata.of(event, http), () -> done(true, null), e -> done(false, e)));
        } catch (RuntimeException e) {
            // the channel is gone (shutdown) or refused the message
            done(false, e);
        }
    }

    private CompletionStage<Void> done(boolean ok, Throwable cause) {
        inFlight.decrementAndGet();
        if (ok) {
            sent.incrementAndGet();
            if (failing) {
                failing = false;
                LOG.infof("CloudEvents sink %s accepts decision events again", sink);
            }
        } else {
            failed.incrementAndGet();
            if (!failing) {
                // once per outage, not once per event
                failing = true;
                LOG.warnf("CloudEvents sink %s refused a decision event (counted in"
                        + " llmd_autoscaler_cloud_events_total{outcome=\"failed\"}): %s", sink, brief(cause));
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The cause in one line: the connector's message repeats the whole request, headers and body. */
    private static String brief(Throwable cause) {
        String text = String.valueOf(cause);
        int response = text.indexOf(" failed with response: ");
        if (response >= 0) {
            return text.substring(response + " failed with response: ".length());
        }
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Whether a sink is configured, so that decisions are sent. */
    boolean sending() {
        return enabled;
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    long dropped() {
        return dropped.get();
    }
}
