package io.quarkiverse.llmd.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The gateway's autoscaler loop with this module: every decision pass reaches a real HTTP sink as a binary-mode
 * CloudEvent through Reactive Messaging's HTTP connector; a sink that fails or never answers does not hold the loop,
 * and what became of each event is counted.
 */
@QuarkusTest
@QuarkusTestResource(value = Sink.class, restrictToAnnotatedClass = true)
class DecisionCloudEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    AutoscalerLoop loop;

    @Inject
    DecisionCloudEvents events;

    @Inject
    MeterRegistry registry;

    @AfterEach
    void acceptAgain() {
        Sink.release();
        await("every event answered", () -> events.sent() + events.failed() + events.dropped() == handed);
    }

    private long handed;

    /** Runs one decision pass; the variant has one decision per pass. */
    private ScalingDecision pass() {
        List<ScalingDecision> decisions = loop.cycle();
        assertThat(decisions).hasSize(1);
        handed++;
        return decisions.get(0);
    }

    @Test
    void everyDecisionReachesTheSinkAsABinaryModeCloudEvent() throws Exception {
        assertThat(events.sending()).isTrue();
        Sink.RECEIVED.clear();
        long sentBefore = events.sent();
        handed = events.sent() + events.failed() + events.dropped();
        List<ScalingDecision> decided = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            decided.add(pass());
        }
        await("three events at the sink", () -> Sink.RECEIVED.size() == 3 && events.sent() == sentBefore + 3);

        for (int i = 0; i < 3; i++) {
            ScalingDecision d = decided.get(i);
            Sink.Received r = Sink.RECEIVED.get(i);
            Map<String, Object> body = JSON.readValue(r.body(), new TypeReference<>() {
            });
            assertThat(body).containsEntry("variant", "sim-h100").containsEntry("namespace", "llm")
                    .containsEntry("model", "sim-model").containsEntry("accelerator", "H100")
                    .containsEntry("currentReplicas", d.currentReplicas())
                    .containsEntry("desiredReplicas", d.desiredReplicas()).containsEntry("direction", d.direction());
            assertThat(r.headers()).containsEntry("content-type", "application/json")
                    .containsEntry("ce-specversion", "1.0")
                    .containsEntry("ce-source", "/quarkus-llmd/autoscaler")
                    .containsEntry("ce-type", "io.quarkiverse.llmd.autoscaler.decision")
                    .containsEntry("ce-subject", "llm/sim-h100")
                    .containsEntry("ce-direction", d.direction())
                    .containsEntry("ce-reason", d.reason().name().toLowerCase(java.util.Locale.ROOT))
                    // binary mode: the content type is the HTTP header, not an attribute header
                    .doesNotContainKey("ce-datacontenttype");
            assertThat(r.headers().get("ce-id")).endsWith("-" + body.get("sequence"));
            assertThat(Instant.parse(r.headers().get("ce-time")))
                    .isEqualTo(Instant.parse((String) body.get("time")).truncatedTo(ChronoUnit.MILLIS));
        }
        assertThat(Sink.RECEIVED.stream().map(r -> r.headers().get("ce-id")).distinct()).hasSize(3);
        assertThat(counter("sent")).isEqualTo(events.sent());
    }

    @Test
    void aFailingSinkDoesNotHoldTheLoopAndIsCounted() {
        Sink.mode = Sink.Mode.FAIL;
        handed = events.sent() + events.failed() + events.dropped();
        long failedBefore = events.failed();
        long cycles = loop.cycles();
        for (int i = 0; i < 3; i++) {
            pass();
        }
        assertThat(loop.cycles()).isEqualTo(cycles + 3);
        await("three failures counted", () -> events.failed() == failedBefore + 3);
        assertThat(counter("failed")).isEqualTo(events.failed());
    }

    @Test
    void aSilentSinkHoldsAtMostMaxInFlightEventsAndTheRestAreDropped() {
        // settle: nothing of an earlier test still waits
        handed = events.sent() + events.failed() + events.dropped();
        Sink.mode = Sink.Mode.SILENT;
        long droppedBefore = events.dropped();
        for (int i = 0; i < 10; i++) {
            pass();
        }
        // max-in-flight is 4: one request at the silent sink and three waiting behind it; six are dropped at once
        assertThat(events.dropped()).isEqualTo(droppedBefore + 6);
        assertThat(counter("dropped")).isEqualTo(events.dropped());
    }

    private double counter(String outcome) {
        return registry.get("llmd_autoscaler_cloud_events").tag("outcome", outcome).functionCounter().count();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
