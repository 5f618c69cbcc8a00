package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
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
    void isAnAffinityConsumerOfThePrefixKeyAndIgnoresParameters() throws Exception {
        assertThat(scorer.category()).isEqualTo(ScorerCategory.AFFINITY);
        assertThat(scorer.consumes()).containsExactly(DataKeys.PREFIX_CACHE_MATCH);
        var created = PrefixCacheScorer.FACTORY.create("s", new ObjectMapper().readTree(
                "{\"blockSize\": 5, \"hashBlockSize\": 64, \"lruCapacityPerServer\": 7}"), PluginHandle.NONE);
        assertThat(created).isInstanceOf(PrefixCacheScorer.class);
        assertThat(created.typedName().name()).isEqualTo("s");
    }
}
