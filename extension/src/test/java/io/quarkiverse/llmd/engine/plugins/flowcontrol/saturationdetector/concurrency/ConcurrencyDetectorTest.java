package io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency;

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
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency.ConcurrencyDetector.Params;
import io.quarkiverse.llmd.engine.testing.FakeInFlightLoad;

class ConcurrencyDetectorTest {

    private final Endpoint a = endpoint("a", 0, 0);
    private final Endpoint b = endpoint("b", 0, 0);
    private final Endpoint c = endpoint("c", 0, 0);

    private static ConcurrencyDetector detector(String mode, Long max, Long maxTokens, Double headroom) {
        return new ConcurrencyDetector("cd", new ConcurrencyDetector.Params(mode, max, maxTokens, headroom, null, null));
    }

    private static SchedulingContext load(Object... endpointRequestsTokens) {
        FakeInFlightLoad load = new FakeInFlightLoad();
        for (int i = 0; i < endpointRequestsTokens.length; i += 3) {
            load.with((Endpoint) endpointRequestsTokens[i], (Long) endpointRequestsTokens[i + 1],
                    (Long) endpointRequestsTokens[i + 2]);
        }
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.IN_FLIGHT_LOAD, load);
        return ctx;
    }

    private static Params params(String mode, Long max, Long maxTokens, Double headroom, Double fraction,
            Boolean scale) {
        return new Params(mode, max, maxTokens, headroom, fraction, scale);
    }

    private SchedulingContext ctx(long ra, long ta, long rb, long tb, long rc, long tc) {
        SchedulingContext ctx = context(request("m", "p"));
        ctx.put(DataKeys.IN_FLIGHT_LOAD, new FakeInFlightLoad().with(a, ra, ta).with(b, rb, tb).with(c, rc, tc));
        return ctx;
    }

    @Test
    void requestModeSumsInFlightOverSumCapacity() {
        ConcurrencyDetector d = detector(null, null, null, null);
        assertThat(d.mode()).isEqualTo(ConcurrencyDetector.Mode.REQUESTS);
        assertThat(d.saturation(ctx(50, 0, 100, 0, 0, 0), List.of(a, b))).isCloseTo(0.75, within(1e-12));
        assertThat(d.saturation(ctx(50, 0, 100, 0, 0, 0), List.of(a, b, c))).isCloseTo(0.5, within(1e-12));
        assertThat(d.saturation(ctx(300, 0, 0, 0, 0, 0), List.of(a))).isEqualTo(3.0);
    }

    @Test
    void tokenModeUsesTokenCapacity() {
        ConcurrencyDetector d = detector("tokens", null, null, null);
        assertThat(d.saturation(ctx(1, 250_000, 1, 750_000, 0, 0), List.of(a, b))).isCloseTo(0.5, within(1e-12));
        ConcurrencyDetector small = detector("tokens", null, 1_000L, null);
        assertThat(small.saturation(ctx(0, 500, 0, 0, 0, 0), List.of(a))).isEqualTo(0.5);
    }

    @Test
    void emptyPoolSaturatedMissingLoadIdle() {
        ConcurrencyDetector d = detector(null, null, null, null);
        assertThat(d.saturation(ctx(0, 0, 0, 0, 0, 0), List.of())).isEqualTo(1.0);
        assertThat(d.saturation(context(request("m", "p")), List.of(a))).isEqualTo(0.0);
        assertThat(d.filter(context(request("m", "p")), List.of(a))).containsExactly(a);
    }

    @Test
    void filterKeepsEndpointsBelowCapacityTimesOnePlusHeadroom() {
        ConcurrencyDetector d = detector("requests", 10L, null, 0.5);
        // limit 15: 14 passes, 15 and above do not
        assertThat(d.filter(ctx(14, 0, 15, 0, 3, 0), List.of(a, b, c))).containsExactly(a, c);
        ConcurrencyDetector strict = detector("requests", 10L, null, null);
        assertThat(strict.filter(ctx(9, 0, 10, 0, 0, 0), List.of(a, b, c))).containsExactly(a, c);
        List<Endpoint> all = List.of(a, c);
        assertThat(strict.filter(ctx(0, 0, 0, 0, 1, 0), all)).isSameAs(all);
    }

    @Test
    void filterDoesNotFailOpen() {
        ConcurrencyDetector d = detector("tokens", null, 100L, null);
        assertThat(d.filter(ctx(0, 100, 0, 200, 0, 0), List.of(a, b))).isEmpty();
    }

    // Mixed pool: "big" holds 380,000 KV tokens (23,750 blocks of 16), "small" 35,200 (2,200 blocks), "unknown" was
    // never scraped.
    private final Endpoint big = endpointWithKv("big", 23_750);
    private final Endpoint small = endpointWithKv("small", 2_200);
    private final Endpoint unknown = endpoint("unknown", 0, 0);

    @Test
    void tokenModeKvFractionGivesEachEndpointItsShareOfItsOwnCache() {
        ConcurrencyDetector d = new ConcurrencyDetector("cd", params("tokens", null, 100_000L, null, 0.5, null));
        // capacities 190,000 and 17,600 tokens; in flight 95,000 + 17,600 = 112,600 of 207,600
        assertThat(d.saturation(load(big, 10L, 95_000L, small, 7L, 17_600L), List.of(big, small)))
                .isCloseTo(112_600.0 / 207_600.0, within(1e-12));
        // the small pod is full at 17,600 tokens although the big one still has room
        assertThat(d.filter(load(big, 10L, 95_000L, small, 7L, 17_600L), List.of(big, small))).containsExactly(big);
        assertThat(d.filter(load(big, 10L, 95_000L, small, 7L, 17_599L), List.of(big, small)))
                .containsExactly(big, small);
    }

    @Test
    void unknownKvFallsBackToThePlainCapacity() {
        ConcurrencyDetector tokens = new ConcurrencyDetector("cd", params("tokens", null, 100_000L, null, 0.5, null));
        // 190,000 + 100,000 (maxTokenConcurrency) = 290,000
        assertThat(tokens.saturation(load(big, 0L, 0L, unknown, 1L, 145_000L), List.of(big, unknown)))
                .isCloseTo(0.5, within(1e-12));
        assertThat(tokens.filter(load(big, 0L, 0L, unknown, 1L, 100_000L), List.of(big, unknown)))
                .containsExactly(big);
        ConcurrencyDetector requests = new ConcurrencyDetector("cd", params("requests", 64L, null, null, null, true));
        // unknown keeps 64 beside big's 64: 64 in flight of 128
        assertThat(requests.saturation(load(big, 0L, 0L, unknown, 64L, 0L), List.of(big, unknown)))
                .isCloseTo(0.5, within(1e-12));
        // with no KV known anywhere, every endpoint keeps maxConcurrency
        assertThat(requests.saturation(load(unknown, 32L, 0L), List.of(unknown))).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void requestModeScalesMaxConcurrencyByKvRelativeToTheLargest() {
        ConcurrencyDetector d = new ConcurrencyDetector("cd", params("requests", 64L, null, 0.25, null, true));
        // big 64, small 64 x 35,200 / 380,000 = 5.928...; pool saturation (30 + 3) / 69.928...
        double smallCapacity = 64.0 * 35_200 / 380_000;
        assertThat(d.saturation(load(big, 30L, 0L, small, 3L, 0L), List.of(big, small)))
                .isCloseTo(33 / (64 + smallCapacity), within(1e-12));
        // filter limit for small: 5.928 x 1.25 = 7.41, so 7 in flight passes and 8 does not; big's limit is 80
        assertThat(d.filter(load(big, 79L, 0L, small, 7L, 0L), List.of(big, small))).containsExactly(big, small);
        assertThat(d.filter(load(big, 80L, 0L, small, 8L, 0L), List.of(big, small))).isEmpty();
        // a homogeneous pool behaves as without the parameter
        Endpoint big2 = endpointWithKv("big2", 23_750);
        ConcurrencyDetector plain = detector("requests", 64L, null, 0.25);
        SchedulingContext ctx = load(big, 40L, 0L, big2, 80L, 0L);
        assertThat(d.saturation(ctx, List.of(big, big2))).isEqualTo(plain.saturation(ctx, List.of(big, big2)));
        assertThat(d.filter(ctx, List.of(big, big2))).containsExactly(big);
    }

    @Test
    void theAdmissionLimitIsWhatTheFilterLetsAnEndpointHoldInRequests() {
        // requests mode: the capacity with the headroom, each endpoint by its KV relative to the largest
        ConcurrencyDetector requests = new ConcurrencyDetector("cd", params("requests", 64L, null, 0.25, null, true));
        SchedulingContext ctx = load(big, 30L, 0L, small, 3L, 0L);
        assertThat(requests.admissionLimit(ctx, big, List.of(big, small))).isCloseTo(80, within(1e-9));
        assertThat(requests.admissionLimit(ctx, small, List.of(big, small)))
                .isCloseTo(64.0 * 35_200 / 380_000 * 1.25, within(1e-9));
        // tokens mode: 190,000 tokens of big's cache at the 2,500 booked per request it holds now = 76 requests
        ConcurrencyDetector tokens = new ConcurrencyDetector("cd", params("tokens", null, 100_000L, null, 0.5, null));
        SchedulingContext booked = load(big, 10L, 25_000L, small, 0L, 0L);
        assertThat(tokens.admissionLimit(booked, big, List.of(big, small))).isCloseTo(76, within(1e-9));
        // an endpoint holding nothing has no request size to divide by: no limit known
        assertThat(tokens.admissionLimit(booked, small, List.of(big, small))).isZero();
        assertThat(tokens.admissionLimit(context(request("m", "p")), big, List.of(big))).isZero();
    }

    @Test
    void withoutOurParametersKvSizesAreIgnored() {
        ConcurrencyDetector d = detector("requests", 64L, null, null);
        // llm-d: 64 each whatever the cache, (30 + 30) / 128
        assertThat(d.saturation(load(big, 30L, 0L, small, 30L, 0L), List.of(big, small)))
                .isCloseTo(60.0 / 128, within(1e-12));
        assertThat(d.filter(load(big, 30L, 0L, small, 30L, 0L), List.of(big, small))).containsExactly(big, small);
    }

    @Test
    void parametersDecodeFromConfig() throws Exception {
        var mapper = new ObjectMapper();
        Params p = Parameters.decode(
                mapper.readTree("{\"concurrencyMode\":\"tokens\",\"kvCapacityFraction\":0.8}"), Params.class);
        assertThat(p.kvCapacityFraction()).isEqualTo(0.8);
        assertThat(p.scaleByKvCache()).isFalse();
        assertThatThrownBy(() -> Parameters.decode(
                mapper.readTree("{\"scaleByKvCache\":true,\"kvCapacityFraction\":0.8}"), Params.class))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("kvCapacityFraction");
    }

    @Test
    void parametersDefaultAndValidate() {
        var p = params(null, null, null, null, null, null);
        assertThat(p.concurrencyMode()).isEqualTo("requests");
        assertThat(p.maxConcurrency()).isEqualTo(100);
        assertThat(p.maxTokenConcurrency()).isEqualTo(1_000_000);
        assertThat(p.headroom()).isEqualTo(0.0);
        assertThat(p.kvCapacityFraction()).isNull();
        assertThat(p.scaleByKvCache()).isFalse();
        assertField(() -> params("bytes", null, null, null, null, null), "concurrencyMode");
        assertField(() -> params(null, 0L, null, null, null, null), "maxConcurrency");
        assertField(() -> params(null, null, -1L, null, null, null), "maxTokenConcurrency");
        assertField(() -> params(null, null, null, -0.5, null, null), "headroom");
        assertField(() -> params(null, null, null, Double.POSITIVE_INFINITY, null, null), "headroom");
        assertField(() -> params("requests", null, null, null, 0.5, null), "kvCapacityFraction");
        assertField(() -> params("tokens", null, null, null, 0.0, null), "kvCapacityFraction");
        assertField(() -> params("tokens", null, null, null, 10.5, null), "kvCapacityFraction");
        assertField(() -> params("tokens", null, null, null, Double.NaN, null), "kvCapacityFraction");
        assertField(() -> params("tokens", null, null, null, null, true), "scaleByKvCache");
        assertThat(detector(null, null, null, null).consumes()).containsExactly(DataKeys.IN_FLIGHT_LOAD);
    }

    private static void assertField(Runnable r, String field) {
        assertThatThrownBy(r::run).isInstanceOf(PluginConfigException.class)
                .satisfies(e -> assertThat(((PluginConfigException) e).field()).isEqualTo(field));
    }
}
