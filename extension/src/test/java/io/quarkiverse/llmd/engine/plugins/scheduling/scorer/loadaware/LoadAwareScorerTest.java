package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loadaware;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.testing.Scoring;

class LoadAwareScorerTest {

    @Test
    void halfWhenIdleFallingLinearlyToZeroAtThreshold() {
        LoadAwareScorer scorer = new LoadAwareScorer("l", 128);
        double[] s = Scoring.raw(scorer, context(request("m", "p")), List.of(endpoint("idle", 0, 0),
                endpoint("q32", 32, 0), endpoint("q64", 64, 0), endpoint("q128", 128, 0), endpoint("q500", 500, 0),
                endpoint("negative", -3, 0)));
        assertThat(s[0]).isEqualTo(0.5);
        assertThat(s[1]).isCloseTo(0.375, within(1e-12));
        assertThat(s[2]).isCloseTo(0.25, within(1e-12));
        assertThat(s[3]).isEqualTo(0.0);
        assertThat(s[4]).isEqualTo(0.0);
        assertThat(s[5]).isEqualTo(0.5);
    }

    @Test
    void thresholdParameter() throws Exception {
        var params = new ObjectMapper().readTree("{\"threshold\": 10}");
        LoadAwareScorer scorer = (LoadAwareScorer) LoadAwareScorer.FACTORY.create("l", params, PluginHandle.NONE);
        assertThat(Scoring.raw(scorer, context(request("m", "p")), List.of(endpoint("a", 5, 0))))
                .containsExactly(0.25);
        assertThat(new LoadAwareScorer.Params(null).threshold()).isEqualTo(128);
        assertThatThrownBy(() -> new LoadAwareScorer.Params(0)).isInstanceOf(PluginConfigException.class)
                .hasMessage("threshold must be > 0, got 0");
    }
}
