package io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency;

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

class ConcurrencyDetectorTest {

    private final Endpoint a = endpoint("a", 0, 0);
    private final Endpoint b = endpoint("b", 0, 0);
    private final Endpoint c = endpoint("c", 0, 0);

    private static ConcurrencyDetector detector(String mode, Long max, Long maxTokens, Double headroom) {
        return new ConcurrencyDetector("cd", new ConcurrencyDetector.Params(mode, max, maxTokens, headroom));
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

    @Test
    void parametersDefaultAndValidate() {
        var p = new ConcurrencyDetector.Params(null, null, null, null);
        assertThat(p.concurrencyMode()).isEqualTo("requests");
        assertThat(p.maxConcurrency()).isEqualTo(100);
        assertThat(p.maxTokenConcurrency()).isEqualTo(1_000_000);
        assertThat(p.headroom()).isEqualTo(0.0);
        assertField(() -> new ConcurrencyDetector.Params("bytes", null, null, null), "concurrencyMode");
        assertField(() -> new ConcurrencyDetector.Params(null, 0L, null, null), "maxConcurrency");
        assertField(() -> new ConcurrencyDetector.Params(null, null, -1L, null), "maxTokenConcurrency");
        assertField(() -> new ConcurrencyDetector.Params(null, null, null, -0.5), "headroom");
        assertField(() -> new ConcurrencyDetector.Params(null, null, null, Double.POSITIVE_INFINITY), "headroom");
        assertThat(detector(null, null, null, null).consumes()).containsExactly(DataKeys.IN_FLIGHT_LOAD);
    }

    private static void assertField(Runnable r, String field) {
        assertThatThrownBy(r::run).isInstanceOf(PluginConfigException.class)
                .satisfies(e -> assertThat(((PluginConfigException) e).field()).isEqualTo(field));
    }
}
