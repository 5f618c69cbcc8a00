package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.kvcacheutilization;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.testing.Scoring;

class KvCacheUtilizationScorerTest {

    private final KvCacheUtilizationScorer scorer = new KvCacheUtilizationScorer("kv");

    @Test
    void oneMinusUsage() {
        double[] s = Scoring.raw(scorer, context(request("m", "p")),
                List.of(endpoint("a", 0, 0.0), endpoint("b", 0, 0.25), endpoint("c", 0, 1.0)));
        assertThat(s[0]).isEqualTo(1.0);
        assertThat(s[1]).isCloseTo(0.75, within(1e-12));
        assertThat(s[2]).isEqualTo(0.0);
    }

    @Test
    void notNormalisedOverCandidates() {
        double[] s = Scoring.raw(scorer, context(request("m", "p")),
                List.of(endpoint("a", 0, 0.9), endpoint("b", 0, 0.9)));
        assertThat(s[0]).isCloseTo(0.1, within(1e-12));
        assertThat(s[1]).isCloseTo(0.1, within(1e-12));
    }

    @Test
    void brokenMetricsAreClampedByTheFramework() {
        double[] s = Scoring.clamped(scorer, context(request("m", "p")),
                List.of(endpoint("a", 0, Double.NaN), endpoint("b", 0, -0.5), endpoint("c", 0, 1.5)));
        assertThat(s).containsExactly(0.0, 1.0, 0.0);
    }
}
