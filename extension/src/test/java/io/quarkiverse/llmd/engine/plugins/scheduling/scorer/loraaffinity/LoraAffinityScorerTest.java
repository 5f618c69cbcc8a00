package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loraaffinity;

import static io.quarkiverse.llmd.engine.testing.Fixtures.NOW;
import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.testing.Scoring;

class LoraAffinityScorerTest {

    private final LoraAffinityScorer scorer = new LoraAffinityScorer("lora");

    private static Endpoint lora(String name, Set<String> active, Set<String> waiting, int max) {
        return new Endpoint("default/" + name, "10.0.0.1:8000", Map.of(),
                new EndpointMetrics(0, 0, 0.0, active, waiting, max, 0, 0, NOW));
    }

    @Test
    void activeThenFreeSlotThenWaitingThenNothing() {
        List<Endpoint> endpoints = List.of(
                lora("active", Set.of("sql", "chat"), Set.of(), 2),
                lora("free-slot", Set.of("chat"), Set.of(), 4),
                lora("waiting", Set.of("chat"), Set.of("sql"), 2),
                lora("full", Set.of("chat", "math"), Set.of(), 2),
                lora("unknown-max", Set.of(), Set.of(), 0));
        double[] s = Scoring.raw(scorer, context(request("sql", "p")), endpoints);
        assertThat(s).containsExactly(1.0, 0.8, 0.6, 0.0, 0.0);
    }

    @Test
    void freeSlotOutranksWaiting() {
        // Waiting, but active + waiting (1 + 1) < max (3): a free slot wins first, as in the reference order.
        double[] s = Scoring.raw(scorer, context(request("sql", "p")),
                List.of(lora("a", Set.of("chat"), Set.of("sql"), 3)));
        assertThat(s).containsExactly(0.8);
    }

    @Test
    void usesTargetModelAfterRewrite() {
        var rewritten = request("base", "p").withTargetModel("sql");
        double[] s = Scoring.raw(scorer, context(rewritten), List.of(lora("a", Set.of("sql"), Set.of(), 1)));
        assertThat(s).containsExactly(1.0);
    }
}
