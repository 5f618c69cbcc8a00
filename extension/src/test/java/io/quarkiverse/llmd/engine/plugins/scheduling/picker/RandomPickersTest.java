package io.quarkiverse.llmd.engine.plugins.scheduling.picker;

import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.random.RandomPicker;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.weightedrandom.WeightedRandomPicker;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class RandomPickersTest {

    private static final int DRAWS = 20_000;

    private final List<Endpoint> endpoints = List.of(endpoint("e0", "10.0.0.1:8000", Map.of()),
            endpoint("e1", "10.0.0.2:8000", Map.of()), endpoint("e2", "10.0.0.3:8000", Map.of()),
            endpoint("e3", "10.0.0.4:8000", Map.of()));

    private static SchedulingContext context(SplittableRandom random) {
        return new SchedulingContext(Fixtures.request("m", "hi"), Instant.EPOCH, random);
    }

    /** How often each endpoint came first over {@link #DRAWS} picks with one seeded generator. */
    private double[] firstPickFrequencies(Picker picker, double[] scores) {
        SplittableRandom random = new SplittableRandom(7);
        double[] counts = new double[endpoints.size()];
        for (int i = 0; i < DRAWS; i++) {
            Endpoint first = picker.pick(context(random), endpoints, scores).get(0).endpoint();
            counts[endpoints.indexOf(first)]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= DRAWS;
        }
        return counts;
    }

    @Test
    void randomPickerIsUniformAndIgnoresScores() {
        double[] freq = firstPickFrequencies(new RandomPicker("r", 1), new double[] { 10, 0, 0, 0 });
        for (double f : freq) {
            assertThat(f).isCloseTo(0.25, within(0.02));
        }
    }

    @Test
    void randomPickerIsDeterministicForASeed() {
        RandomPicker picker = new RandomPicker("r", 3);
        double[] scores = { 1, 2, 3, 4 };
        List<ScoredEndpoint> a = picker.pick(context(new SplittableRandom(99)), endpoints, scores);
        List<ScoredEndpoint> b = picker.pick(context(new SplittableRandom(99)), endpoints, scores);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void randomPickerReturnsDistinctEndpointsUpToMax() {
        RandomPicker picker = (RandomPicker) RandomPicker.FACTORY.create("r", params("{maxNumOfEndpoints: 3}"),
                PluginHandle.NONE);
        List<ScoredEndpoint> picked = picker.pick(context(new SplittableRandom(1)), endpoints,
                new double[] { 1, 2, 3, 4 });
        assertThat(picked).hasSize(3);
        assertThat(new HashSet<>(picked.stream().map(ScoredEndpoint::endpoint).toList())).hasSize(3);
        for (ScoredEndpoint p : picked) {
            assertThat(p.score()).isEqualTo(endpoints.indexOf(p.endpoint()) + 1.0);
        }
        assertThat(new RandomPicker("r", 10).pick(context(new SplittableRandom(1)), endpoints, new double[4]))
                .hasSize(4);
        assertThat(new RandomPicker("r", 2).pick(context(new SplittableRandom(1)), List.of(), new double[0]))
                .isEmpty();
    }

    @Test
    void weightedRandomIsProportionalToScores() {
        double[] freq = firstPickFrequencies(new WeightedRandomPicker("w", 1), new double[] { 1, 2, 3, 4 });
        assertThat(freq[0]).isCloseTo(0.1, within(0.02));
        assertThat(freq[1]).isCloseTo(0.2, within(0.02));
        assertThat(freq[2]).isCloseTo(0.3, within(0.02));
        assertThat(freq[3]).isCloseTo(0.4, within(0.02));
    }

    @Test
    void weightedRandomFirstOfSeveralIsAlsoProportional() {
        double[] freq = firstPickFrequencies(new WeightedRandomPicker("w", 2), new double[] { 1, 2, 3, 4 });
        assertThat(freq[0]).isCloseTo(0.1, within(0.02));
        assertThat(freq[3]).isCloseTo(0.4, within(0.02));
    }

    @Test
    void weightedRandomNeverPicksZeroScoresFirstWhileAPositiveOneExists() {
        double[] freq = firstPickFrequencies(new WeightedRandomPicker("w", 1), new double[] { 0, 0, 0.001, -1 });
        assertThat(freq[2]).isEqualTo(1.0);
        // With room for all, zero scores fill the tail.
        List<ScoredEndpoint> picked = new WeightedRandomPicker("w", 4).pick(context(new SplittableRandom(3)),
                endpoints, new double[] { 0, 0, 0.001, -1 });
        assertThat(picked).hasSize(4);
        assertThat(picked.get(0).endpoint()).isEqualTo(endpoints.get(2));
    }

    @Test
    void weightedRandomWithoutPositiveScoresIsUniform() {
        double[] freq = firstPickFrequencies(new WeightedRandomPicker("w", 1), new double[] { 0, 0, 0, 0 });
        for (double f : freq) {
            assertThat(f).isCloseTo(0.25, within(0.02));
        }
    }

    @Test
    void weightedRandomReturnsDistinctEndpointsUpToMax() {
        WeightedRandomPicker picker = (WeightedRandomPicker) WeightedRandomPicker.FACTORY.create("w",
                params("{maxNumOfEndpoints: 3}"), PluginHandle.NONE);
        List<Endpoint> seen = new ArrayList<>();
        for (ScoredEndpoint p : picker.pick(context(new SplittableRandom(5)), endpoints, new double[] { 1, 2, 3, 4 })) {
            seen.add(p.endpoint());
        }
        assertThat(seen).hasSize(3).doesNotHaveDuplicates();
    }

    @Test
    void maxNumOfEndpointsMustBePositive() {
        assertThatThrownBy(() -> RandomPicker.FACTORY.create("r", params("{maxNumOfEndpoints: 0}"), PluginHandle.NONE))
                .hasMessageContaining("maxNumOfEndpoints must be > 0");
        assertThatThrownBy(() -> WeightedRandomPicker.FACTORY.create("w", params("{maxNumOfEndpoints: -2}"),
                PluginHandle.NONE)).hasMessageContaining("maxNumOfEndpoints must be > 0");
    }
}
