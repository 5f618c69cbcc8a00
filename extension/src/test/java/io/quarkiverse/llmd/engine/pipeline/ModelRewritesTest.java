package io.quarkiverse.llmd.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ModelRewritesTest {

    private final Random random = new Random(42);

    @Test
    void exactRulesWinOverTheCatchAllAndTheFirstRuleWins() {
        ModelRewrites r = ModelRewrites.builder()
                .exact("chat", List.of(new ModelRewrites.Target("llama-v2", 1)))
                .exact("chat", List.of(new ModelRewrites.Target("ignored", 1)))
                .catchAll(List.of(new ModelRewrites.Target("fallback", 1)))
                .catchAll(List.of(new ModelRewrites.Target("ignored-too", 1)))
                .build();
        assertThat(r.targetFor("chat", random)).isEqualTo("llama-v2");
        assertThat(r.targetFor("anything", random)).isEqualTo("fallback");
    }

    @Test
    void weightsSplitRequestsInProportion() {
        ModelRewrites r = ModelRewrites.builder().exact("m", List.of(new ModelRewrites.Target("a", 3),
                new ModelRewrites.Target("b", 1), new ModelRewrites.Target("never", 0))).build();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            counts.merge(r.targetFor("m", random), 1, Integer::sum);
        }
        assertThat(counts).doesNotContainKey("never");
        assertThat(counts.get("a")).isBetween(2800, 3200);
        assertThat(counts.get("b")).isBetween(800, 1200);
    }

    @Test
    void allZeroWeightsShareEqually() {
        ModelRewrites r = ModelRewrites.builder().exact("m", List.of(new ModelRewrites.Target("a", 0),
                new ModelRewrites.Target("b", 0))).build();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            counts.merge(r.targetFor("m", random), 1, Integer::sum);
        }
        assertThat(counts.get("a")).isBetween(850, 1150);
    }

    @Test
    void propertiesFormAndNone() {
        assertThat(ModelRewrites.of(Map.of("alias", "real")).targetFor("alias", random)).isEqualTo("real");
        assertThat(ModelRewrites.of(Map.of()).isEmpty()).isTrue();
        assertThat(ModelRewrites.NONE.targetFor("x", random)).isNull();
    }

    @Test
    void badRulesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ModelRewrites.builder().exact("m", List.of()))
                .hasMessageContaining("at least one target");
        assertThatThrownBy(() -> new ModelRewrites.Target("a", -1)).hasMessageContaining("negative weight");
        assertThatThrownBy(() -> new ModelRewrites.Target(" ", 1)).hasMessageContaining("needs a model");
    }
}
