package io.quarkiverse.llmd.runtime.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.autoscaling.ScalingReason;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

class DecisionCloudEventsTest {

    record Events(Optional<URI> url, String source, String type, boolean changesOnly, int maxInFlight,
            Duration timeout) implements AutoscalerRuntimeConfig.CloudEventsConfig {
    }

    @Test
    void aSinkThatNeverAnswersHoldsAtMostMaxInFlightEvents() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            // a sink that accepts requests and never answers them
            HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
            DecisionCloudEvents events = new DecisionCloudEvents(vertx, new Events(
                    Optional.of(URI.create("http://127.0.0.1:" + server.actualPort() + "/sink")), "/s", "t", false,
                    3, Duration.ofSeconds(5)));
            AutoscalerDecisionLog log = new AutoscalerDecisionLog(16);
            for (int i = 0; i < 10; i++) {
                events.send(log.add("t", AutoscalerDecisionLogTest.decision("v", 1, 2, ScalingReason.MODEL, "d"), "ns",
                        null));
            }
            assertThat(events.dropped.get()).isEqualTo(7);
            assertThat(events.sent.get()).isZero();
            events.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void changesOnlySkipsDecisionsThatKeepTheCount() {
        Vertx vertx = Vertx.vertx();
        try {
            DecisionCloudEvents events = new DecisionCloudEvents(vertx, new Events(
                    Optional.of(URI.create("http://127.0.0.1:9/sink")), "/s", "t", true, 1, Duration.ofSeconds(1)));
            AutoscalerDecisionLog log = new AutoscalerDecisionLog(4);
            events.send(log.add("t", AutoscalerDecisionLogTest.decision("v", 2, 2, ScalingReason.MODEL, "d"), "ns",
                    null));
            events.send(log.add("t", AutoscalerDecisionLogTest.decision("v", 2, 2, ScalingReason.MODEL, "d"), "ns",
                    null));
            // skipped, so neither waits nor is dropped (max-in-flight is 1)
            assertThat(events.dropped.get()).isZero();
            events.close();
        } finally {
            vertx.close();
        }
    }

    @Test
    void aUrlThatIsNotHttpIsRefused() {
        Vertx vertx = Vertx.vertx();
        try {
            assertThatThrownBy(() -> new DecisionCloudEvents(vertx, new Events(Optional.of(URI.create("/relative")),
                    "/s", "t", false, 1, Duration.ofSeconds(1)))).hasMessageContaining("absolute http(s) URL");
        } finally {
            vertx.close();
        }
    }
}
