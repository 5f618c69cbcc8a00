package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.prefix.PrefixCacheScorer;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class PrefixCacheScorerTest {

    private final PrefixCacheScorer scorer = new PrefixCacheScorer("prefix-cache-scorer");
    private final List<Endpoint> endpoints = List.of(Fixtures.endpoint("a", 0, 0), Fixtures.endpoint("b", 0, 0),
            Fixtures.endpoint("c", 0, 0));

    private static PrefixCacheMatchInfo info(int total, int a, int b) {
        return new PrefixCacheMatchInfo() {
            @Override
            public int matchBlocks(Endpoint endpoint) {
                return endpoint.name().endsWith("/a") ? a : endpoint.name().endsWith("/b") ? b : 0;
            }

            @Override
            public int totalBlocks() {
                return total;
            }

            @Override
            public int blockSizeTokens() {
                return 16;
            }
        };
    }

    private double[] score(PrefixCacheMatchInfo info) {
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "x"));
        if (info != null) {
            context.put(DataKeys.PREFIX_CACHE_MATCH, info);
        }
        double[] scores = new double[3];
        scorer.score(context, endpoints, scores);
        return scores;
    }

    @Test
    void scoresMatchedShareOfBlocks() {
        assertThat(score(info(8, 8, 2))).containsExactly(1.0, 0.25, 0.0);
    }

    @Test
    void missingInfoOrNoBlocksScoreZero() {
        assertThat(score(null)).containsExactly(0.0, 0.0, 0.0);
        assertThat(score(PrefixCacheMatchInfo.NONE)).containsExactly(0.0, 0.0, 0.0);
        assertThat(score(info(0, 3, 3))).containsExactly(0.0, 0.0, 0.0);
    }

    @Test
    void isAnAffinityConsumerOfThePrefixKey() {
        assertThat(scorer.category()).isEqualTo(ScorerCategory.AFFINITY);
        assertThat(scorer.consumes()).containsExactly(DataKeys.PREFIX_CACHE_MATCH);
        var created = PrefixCacheScorer.FACTORY.create("s", null, PluginHandle.NONE);
        assertThat(created.typedName().name()).isEqualTo("s");
        assertThat(((PrefixCacheScorer) created).matchKey()).isEqualTo(DataKeys.PREFIX_CACHE_MATCH);
    }

    @Test
    void unknownParametersAreErrors() {
        assertThatThrownBy(() -> PrefixCacheScorer.FACTORY.create("s", json("{\"blockSizze\": 64}"),
                PluginHandle.NONE)).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("unknown parameter 'blockSizze'");
    }

    @Test
    void approximateProducerSettingsSayWhereTheyBelong() {
        assertThatThrownBy(() -> PrefixCacheScorer.FACTORY.create("s", json("{\"lruCapacityPerServer\": 7}"),
                PluginHandle.NONE)).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("set it on approx-prefix-cache-producer")
                .satisfies(e -> assertThat(((PluginConfigException) e).field()).isEqualTo("lruCapacityPerServer"));
    }

    @Test
    void parametersAreChecked() {
        assertThatThrownBy(() -> PrefixCacheScorer.FACTORY.create("s", json("{\"matchLengthWeight\": 1.5}"),
                PluginHandle.NONE)).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("matchLengthWeight");
        assertThatThrownBy(() -> PrefixCacheScorer.FACTORY.create("s", json("{\"matchLengthScaleTokens\": 0}"),
                PluginHandle.NONE)).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("matchLengthScaleTokens");
        assertThatThrownBy(() -> PrefixCacheScorer.FACTORY.create("s",
                json("{\"prefixMatchInfoProducerName\": \"nobody\"}"), PluginHandle.NONE))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("no plugin named 'nobody'");
    }

    @Test
    void matchLengthWeightBlendsAbsoluteLengthIn() {
        // 16-token blocks; a scale of 64 tokens makes 4 matched blocks a full-length match.
        PrefixCacheScorer blended = new PrefixCacheScorer("s", new PrefixCacheScorer.Params(null, 0.5, 64),
                DataKeys.PREFIX_CACHE_MATCH);
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "x"));
        context.put(DataKeys.PREFIX_CACHE_MATCH, info(8, 2, 8));
        double[] scores = new double[3];
        blended.score(context, endpoints, scores);
        // a: length 32/64 -> 0.25 after squaring, share 0.25; b: length 1, share 1.
        assertThat(scores).containsExactly(0.5 * 0.25 + 0.5 * 0.25, 1.0, 0.0);
    }

    @Test
    void readsTheMatchOfTheNamedProducer() {
        DataKey<PrefixCacheMatchInfo> precise = DataKey.of("TestPreciseMatch", PrefixCacheMatchInfo.class, null);
        DataProducer producer = new DataProducer() {
            @Override
            public TypedName typedName() {
                return new TypedName("test-precise-producer", "precise");
            }

            @Override
            public Set<DataKey<?>> produces() {
                return Set.of(precise);
            }

            @Override
            public void produce(SchedulingContext context, List<Endpoint> candidates) {
                context.put(precise, info(4, 0, 4));
            }
        };
        PluginHandle handle = name -> name.equals("precise") ? Optional.of(producer) : Optional.empty();
        PrefixCacheScorer reading = (PrefixCacheScorer) PrefixCacheScorer.FACTORY.create("s",
                json("{\"prefixMatchInfoProducerName\": \"precise\"}"), handle);

        assertThat(reading.consumes()).containsExactly(precise);
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "x"));
        context.put(DataKeys.PREFIX_CACHE_MATCH, info(4, 4, 0));
        producer.produce(context, endpoints);
        double[] scores = new double[3];
        reading.score(context, endpoints, scores);
        assertThat(scores).containsExactly(0.0, 1.0, 0.0);

        PluginHandle notAProducer = name -> Optional.of(reading);
        assertThatThrownBy(() -> PrefixCacheScorer.FACTORY.create("t",
                json("{\"prefixMatchInfoProducerName\": \"s\"}"), notAProducer))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("does not produce");
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
