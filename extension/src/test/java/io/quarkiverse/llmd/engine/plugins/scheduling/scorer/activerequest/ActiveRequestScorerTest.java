package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.activerequest;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpointWithKv;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.testing.FakeInFlightLoad;
import io.quarkiverse.llmd.engine.testing.Scoring;

class ActiveRequestScorerTest {

    private final Endpoint a = endpoint("a", 0, 0);
    private final Endpoint b = endpoint("b", 0, 0);
    private final Endpoint c = endpoint("c", 0, 0);
    private final Endpoint d = endpoint("d", 0, 0);

    private SchedulingContext withLoad(long ra, long rb, long rc, long rd) {
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.IN_FLIGHT_LOAD, new FakeInFlightLoad().with(a, ra, 0).with(b, rb, 0).with(c, rc, 0)
                .with(d, rd, 0));
        return ctx;
    }

    @Test
    void idleScoresOneBusyScaledAgainstTheBusiest() {
        double[] s = Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), withLoad(0, 2, 4, 8), List.of(a, b, c, d));
        assertThat(s[0]).isEqualTo(1.0);
        assertThat(s[1]).isCloseTo(0.75, within(1e-12));
        assertThat(s[2]).isCloseTo(0.5, within(1e-12));
        assertThat(s[3]).isEqualTo(0.0);
    }

    @Test
    void idleThresholdAndMaxBusyScore() {
        double[] s = Scoring.raw(new ActiveRequestScorer("ar", 2, 0.5), withLoad(0, 2, 4, 8), List.of(a, b, c, d));
        assertThat(s[0]).isEqualTo(1.0);
        assertThat(s[1]).isEqualTo(1.0);
        assertThat(s[2]).isCloseTo(0.25, within(1e-12));
        assertThat(s[3]).isEqualTo(0.0);
    }

    @Test
    void allBusyAndEqualScoreZeroAllIdleScoreOne() {
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), withLoad(3, 3, 0, 0), List.of(a, b)))
                .containsExactly(0.0, 0.0);
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), withLoad(0, 0, 0, 0), List.of(a, b)))
                .containsExactly(1.0, 1.0);
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), withLoad(5, 0, 0, 0), List.of(a)))
                .containsExactly(0.0);
    }

    @Test
    void withoutInFlightDataEveryEndpointIsIdle() {
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), context(request("m", "p")), List.of(a, b)))
                .containsExactly(1.0, 1.0);
    }

    @Test
    void parametersValidatedAndRequestTimeoutAccepted() {
        var p = new ActiveRequestScorer.Params(null, null, "2m");
        assertThat(p.idleThreshold()).isZero();
        assertThat(p.maxBusyScore()).isEqualTo(1.0);
        assertThatThrownBy(() -> new ActiveRequestScorer.Params(-1, null, null))
                .isInstanceOf(PluginConfigException.class).hasMessage("idleThreshold must be >= 0, got -1");
        assertThatThrownBy(() -> new ActiveRequestScorer.Params(null, 1.5, null))
                .isInstanceOf(PluginConfigException.class)
                .satisfies(e -> assertThat(((PluginConfigException) e).field()).isEqualTo("maxBusyScore"));
    }

    @Test
    void scaledByKvCacheAnEndpointWithATenthOfTheCacheCountsEachRequestTenTimes() {
        // an H100-sized cache (380,000 tokens) beside an L4-sized one (38,000) and one not scraped yet
        Endpoint h100 = endpointWithKv("h100", 23_750);
        Endpoint l4 = endpointWithKv("l4", 2_375);
        Endpoint fresh = endpoint("fresh", 0, 0);
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.IN_FLIGHT_LOAD, new FakeInFlightLoad().with(h100, 40, 0).with(l4, 5, 0).with(fresh, 2, 0));
        // raw counts: the L4 with 5 looks far less busy than the H100 with 40, and gets the next request
        double[] raw = Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), ctx, List.of(h100, l4, fresh));
        assertThat(raw[1]).isGreaterThan(raw[0]);
        // weighed: the L4's 5 count as 50 against the H100's 40; the unscraped endpoint counts as the smallest
        // known cache, 2 as 20, rather than as an empty H100
        double[] weighed = Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0, true), ctx, List.of(h100, l4, fresh));
        assertThat(weighed[0]).isCloseTo(0.2, within(1e-12));
        assertThat(weighed[1]).isEqualTo(0.0);
        assertThat(weighed[2]).isCloseTo(0.6, within(1e-12));
        // an idle endpoint is still idle, whatever its cache
        ctx.put(DataKeys.IN_FLIGHT_LOAD, new FakeInFlightLoad().with(h100, 40, 0).with(l4, 0, 0));
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0, true), ctx, List.of(h100, l4)))
                .containsExactly(0.0, 1.0);
    }

    @Test
    void scaledByKvCacheAHomogeneousOrUnscrapedPoolScoresAsWithout() {
        Endpoint x = endpointWithKv("x", 23_750);
        Endpoint y = endpointWithKv("y", 23_750);
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.IN_FLIGHT_LOAD, new FakeInFlightLoad().with(x, 3, 0).with(y, 6, 0));
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0, true), ctx, List.of(x, y)))
                .containsExactly(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), ctx, List.of(x, y)));
        SchedulingContext unscraped = withLoad(0, 2, 4, 8);
        assertThat(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0, true), unscraped, List.of(a, b, c, d)))
                .containsExactly(Scoring.raw(new ActiveRequestScorer("ar", 0, 1.0), unscraped, List.of(a, b, c, d)));
    }

    @Test
    void scaleByKvCacheIsDecodedFromTheConfigAndOffByDefault() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        assertThat(Parameters.decode(mapper.readTree("{\"scaleByKvCache\":true}"), ActiveRequestScorer.Params.class)
                .scaleByKvCache()).isTrue();
        assertThat(Parameters.decode(mapper.readTree("{}"), ActiveRequestScorer.Params.class).scaleByKvCache())
                .isFalse();
    }

    @Test
    void consumesInFlightLoad() {
        assertThat(new ActiveRequestScorer("ar", 0, 1.0).consumes()).containsExactly(DataKeys.IN_FLIGHT_LOAD);
    }
}
