package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.runningrequests;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.testing.Scoring;

class RunningRequestsScorerTest {

    private final RunningRequestsScorer scorer = new RunningRequestsScorer("r");

    private static Endpoint running(String name, int running) {
        return endpoint(name, 0, running, 0.0, Map.of());
    }

    @Test
    void minMaxOverCandidates() {
        double[] s = Scoring.raw(scorer, context(request("m", "p")),
                List.of(running("a", 10), running("b", 2), running("c", 4)));
        assertThat(s[0]).isEqualTo(0.0);
        assertThat(s[1]).isEqualTo(1.0);
        assertThat(s[2]).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void allEqualAndSingleEndpointScoreOne() {
        assertThat(Scoring.raw(scorer, context(request("m", "p")), List.of(running("a", 3), running("b", 3))))
                .containsExactly(1.0, 1.0);
        assertThat(Scoring.raw(scorer, context(request("m", "p")), List.of(running("a", 7)))).containsExactly(1.0);
        assertThat(Scoring.raw(scorer, context(request("m", "p")), List.of())).isEmpty();
    }

    @Test
    void readsRunningNotWaiting() {
        double[] s = Scoring.raw(scorer, context(request("m", "p")),
                List.of(endpoint("a", 100, 1, 0.0, Map.of()), endpoint("b", 0, 5, 0.0, Map.of())));
        assertThat(s).containsExactly(1.0, 0.0);
    }

    @Test
    void extremeValuesDoNotOverflow() {
        double[] s = Scoring.raw(scorer, context(request("m", "p")),
                List.of(running("a", Integer.MIN_VALUE), running("b", Integer.MAX_VALUE)));
        assertThat(s).containsExactly(1.0, 0.0);
    }
}
