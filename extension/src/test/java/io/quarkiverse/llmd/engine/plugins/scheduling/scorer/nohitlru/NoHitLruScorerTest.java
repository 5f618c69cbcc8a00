package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.nohitlru;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.testing.Results;
import io.quarkiverse.llmd.engine.testing.Scoring;

class NoHitLruScorerTest {

    private final Endpoint a = endpoint("a", 0, 0);
    private final Endpoint b = endpoint("b", 0, 0);
    private final Endpoint c = endpoint("c", 0, 0);
    private final Endpoint d = endpoint("d", 0, 0);
    private final List<Endpoint> all = List.of(a, b, c, d);

    /** Prefix match info where the named endpoints hold some blocks. */
    private static PrefixCacheMatchInfo hits(Set<String> names) {
        return new PrefixCacheMatchInfo() {
            @Override
            public int matchBlocks(Endpoint endpoint) {
                return names.contains(endpoint.name()) ? 2 : 0;
            }

            @Override
            public int totalBlocks() {
                return 4;
            }

            @Override
            public int blockSizeTokens() {
                return 16;
            }
        };
    }

    private static SchedulingContext cold() {
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.PREFIX_CACHE_MATCH, hits(Set.of()));
        return ctx;
    }

    /** A cold request scored over {@code candidates} and sent to {@code target}. */
    private static void coldRequestTo(NoHitLruScorer scorer, List<Endpoint> candidates, Endpoint target) {
        SchedulingContext ctx = cold();
        Scoring.raw(scorer, ctx, candidates);
        scorer.preRequest(ctx, Results.single(target));
    }

    @Test
    void neverUsedEndpointsRankInCandidateOrder() {
        double[] s = Scoring.raw(new NoHitLruScorer("lru", 1024), cold(), all);
        assertThat(s[0]).isEqualTo(1.0);
        assertThat(s[1]).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(s[2]).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(s[3]).isEqualTo(0.0);
    }

    @Test
    void neverUsedFirstThenLeastRecentlyUsed() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        coldRequestTo(scorer, all, c);
        coldRequestTo(scorer, all, a);
        assertThat(scorer.lruOrder()).containsExactly("default/c", "default/a");

        double[] s = Scoring.raw(scorer, cold(), all);
        // ranks: b (never used) 0, d (never used) 1, c (older) 2, a (newest) 3
        assertThat(s[1]).isEqualTo(1.0);
        assertThat(s[3]).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(s[2]).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(s[0]).isEqualTo(0.0);

        coldRequestTo(scorer, all, c);
        assertThat(scorer.lruOrder()).containsExactly("default/a", "default/c");
    }

    @Test
    void usedEndpointsRankAmongCandidatesNotTheWholeLru() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        for (int i = 0; i < 10; i++) {
            Endpoint other = endpoint("other-" + i, 0, 0);
            coldRequestTo(scorer, List.of(other), other);
        }
        coldRequestTo(scorer, all, b);
        coldRequestTo(scorer, all, a);
        double[] s = Scoring.raw(scorer, cold(), List.of(a, b));
        assertThat(s).containsExactly(0.0, 1.0);
    }

    @Test
    void anyPrefixHitGivesNeutralScoresAndLeavesTheLruAlone() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        SchedulingContext warm = context(request("m", "p"));
        warm.put(DataKeys.PREFIX_CACHE_MATCH, hits(Set.of("default/c")));
        assertThat(Scoring.raw(scorer, warm, all)).containsExactly(0.5, 0.5, 0.5, 0.5);
        scorer.preRequest(warm, Results.single(c));
        assertThat(scorer.lruOrder()).isEmpty();
    }

    @Test
    void missingMatchInfoCountsAsCold() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        SchedulingContext ctx = context(request("m", "p"));
        assertThat(Scoring.raw(scorer, ctx, List.of(a, b))).containsExactly(1.0, 0.0);
        scorer.preRequest(ctx, Results.single(b));
        assertThat(scorer.lruOrder()).containsExactly("default/b");
    }

    @Test
    void singleCandidateScoresOneAndEmptyIsFine() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        coldRequestTo(scorer, List.of(a), a);
        assertThat(Scoring.raw(scorer, cold(), List.of(a))).containsExactly(1.0);
        assertThat(Scoring.raw(scorer, cold(), List.of())).isEmpty();
    }

    @Test
    void preRequestWithoutScoringDoesNothing() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        scorer.preRequest(cold(), Results.single(a));
        assertThat(scorer.lruOrder()).isEmpty();
    }

    @Test
    void prefillTargetIsTouchedToo() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 1024);
        SchedulingContext ctx = cold();
        Scoring.raw(scorer, ctx, all);
        scorer.preRequest(ctx, Results.disaggregated(a, b));
        assertThat(scorer.lruOrder()).containsExactly("default/a", "default/b");
    }

    @Test
    void lruIsBoundedEldestDropped() {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 2);
        coldRequestTo(scorer, all, a);
        coldRequestTo(scorer, all, b);
        coldRequestTo(scorer, all, c);
        assertThat(scorer.lruOrder()).containsExactly("default/b", "default/c");
        scorer.forget("default/b");
        assertThat(scorer.lruOrder()).containsExactly("default/c");
    }

    @Test
    void parameters() {
        var p = new NoHitLruScorer.Params(null, null, null, null);
        assertThat(p.lruSize()).isEqualTo(1024);
        assertThat(p.prefixPluginType()).isEqualTo("prefix-cache-scorer");
        assertThat(p.prefixPluginName()).isEqualTo("prefix-cache-scorer");
        assertThatThrownBy(() -> new NoHitLruScorer.Params(null, null, null, 0))
                .isInstanceOf(PluginConfigException.class).hasMessage("lruSize must be > 0, got 0");
        assertThat(new NoHitLruScorer("x", 1).consumes()).containsExactly(DataKeys.PREFIX_CACHE_MATCH);
    }

    @Test
    void concurrentScoringAndUpdatesStayConsistent() throws Exception {
        NoHitLruScorer scorer = new NoHitLruScorer("lru", 8);
        List<Endpoint> many = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            many.add(endpoint("e" + i, 0, 0));
        }
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        SchedulingContext ctx = cold();
                        double[] s = Scoring.raw(scorer, ctx, many);
                        for (double v : s) {
                            if (!(v >= 0.0 && v <= 1.0)) {
                                throw new AssertionError("score out of range: " + v);
                            }
                        }
                        scorer.preRequest(ctx, Results.single(many.get((i * 7 + seed) % many.size())));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(scorer.lruOrder()).hasSize(8).doesNotHaveDuplicates();
    }
}
