package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.tokenload;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.testing.FakeInFlightLoad;
import io.quarkiverse.llmd.engine.testing.Scoring;

class TokenLoadScorerTest {

    private final Endpoint a = endpoint("a", 0, 0);
    private final Endpoint b = endpoint("b", 0, 0);
    private final Endpoint c = endpoint("c", 0, 0);

    @Test
    void oneMinusTokensOverThresholdCappedAtZero() {
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.IN_FLIGHT_LOAD, new FakeInFlightLoad().with(a, 1, 0).with(b, 3, 1_048_576)
                .with(c, 9, 10_000_000));
        double[] s = Scoring.raw(new TokenLoadScorer("t", TokenLoadScorer.Params.DEFAULT_QUEUE_THRESHOLD_TOKENS), ctx,
                List.of(a, b, c));
        assertThat(s[0]).isEqualTo(1.0);
        assertThat(s[1]).isCloseTo(0.75, within(1e-12));
        assertThat(s[2]).isEqualTo(0.0);
    }

    @Test
    void withoutInFlightDataScoresOne() {
        assertThat(Scoring.raw(new TokenLoadScorer("t", 100), context(request("m", "p")), List.of(a)))
                .containsExactly(1.0);
    }

    @Test
    void defaultsAndValidation() {
        assertThat(new TokenLoadScorer.Params(null).queueThresholdTokens()).isEqualTo(4_194_304L);
        assertThatThrownBy(() -> new TokenLoadScorer.Params(0L)).isInstanceOf(PluginConfigException.class)
                .hasMessage("queueThresholdTokens must be > 0, got 0");
    }
}
