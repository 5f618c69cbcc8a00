package io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.utilization;

import static io.quarkiverse.llmd.engine.testing.Fixtures.NOW;
import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

class UtilizationDetectorTest {

    private static final UtilizationDetector DEFAULTS = detector(null);

    private static UtilizationDetector detector(Double headroom) {
        return new UtilizationDetector("u", new UtilizationDetector.Params(null, null, null, headroom));
    }

    private static Endpoint ep(String name, int queue, double kv, Instant at) {
        return new Endpoint("default/" + name, "10.0.0.1:8000", Map.of(), EndpointMetrics.load(queue, 0, kv, at));
    }

    private static Endpoint ep(String name, int queue, double kv) {
        return ep(name, queue, kv, NOW);
    }

    private static SchedulingContext ctx() {
        return context(request("m", "p"));
    }

    @Test
    void endpointSaturationIsTheWorseOfQueueAndKv() {
        SchedulingContext c = ctx();
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 5, 0.4)))).isEqualTo(1.0);
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 1, 0.6)))).isCloseTo(0.75, within(1e-12));
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 10, 0.0)))).isEqualTo(2.0);
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 0, 0.0)))).isEqualTo(0.0);
    }

    @Test
    void poolIsTheUnweightedMean() {
        // 1.0, 0.75, 0.0 and 0.2 (queue 1 of 5, kv 0.1 of 0.8 = 0.125)
        double s = DEFAULTS.saturation(ctx(), List.of(ep("a", 5, 0.4), ep("b", 1, 0.6), ep("c", 0, 0.0),
                ep("d", 1, 0.1)));
        assertThat(s).isCloseTo((1.0 + 0.75 + 0.0 + 0.2) / 4, within(1e-12));
    }

    @Test
    void staleOrNeverScrapedMetricsCountAsSaturated() {
        SchedulingContext c = ctx();
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 0, 0.0, NOW.minusMillis(200))))).isEqualTo(0.0);
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 0, 0.0, NOW.minusMillis(201))))).isEqualTo(1.0);
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 0, 0.0, Instant.EPOCH)))).isEqualTo(1.0);
        assertThat(DEFAULTS.saturation(c, List.of(Endpoint.of("default/x", "10.0.0.9:1", Map.of())))).isEqualTo(1.0);
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 0, 0.0, Instant.parse("1999-01-01T00:00:00Z")))))
                .isEqualTo(1.0);
        // a scrape stamped slightly ahead of the caller's clock is fresh
        assertThat(DEFAULTS.saturation(c, List.of(ep("a", 0, 0.0, NOW.plusMillis(50))))).isEqualTo(0.0);
        UtilizationDetector lenient = new UtilizationDetector("u",
                new UtilizationDetector.Params(null, null, "2s", null));
        assertThat(lenient.saturation(c, List.of(ep("a", 0, 0.0, NOW.minus(Duration.ofMillis(1999)))))).isZero();
    }

    @Test
    void emptyPoolIsSaturatedAndBrokenMetricsDoNotPoisonTheMean() {
        assertThat(DEFAULTS.saturation(ctx(), List.of())).isEqualTo(1.0);
        assertThat(DEFAULTS.saturation(ctx(), List.of(ep("a", 0, Double.NaN), ep("b", -4, -0.3))))
                .isCloseTo(0.5, within(1e-12));
    }

    @Test
    void filterKeepsFreshEndpointsWithinTheThresholdsPlusHeadroom() {
        List<Endpoint> endpoints = List.of(ep("ok", 5, 0.8), ep("queue", 6, 0.1), ep("kv", 0, 0.85),
                ep("stale", 0, 0.0, NOW.minusSeconds(1)), ep("nan", 0, Double.NaN));
        assertThat(DEFAULTS.filter(ctx(), endpoints)).extracting(Endpoint::name).containsExactly("default/ok");
        // headroom 0.2: queue <= 6, kv <= min(1, 0.96)
        assertThat(detector(0.2).filter(ctx(), endpoints)).extracting(Endpoint::name)
                .containsExactly("default/ok", "default/queue", "default/kv");
        // headroom 0.5 caps the kv limit at 1.0
        assertThat(detector(0.5).filter(ctx(), List.of(ep("a", 0, 1.0), ep("b", 0, 1.01))))
                .extracting(Endpoint::name).containsExactly("default/a");
    }

    @Test
    void filterFailsOpenAndReturnsTheSameListWhenAllPass() {
        List<Endpoint> saturated = List.of(ep("a", 50, 0.99), ep("b", 0, 0.0, Instant.EPOCH));
        assertThat(DEFAULTS.filter(ctx(), saturated)).isSameAs(saturated);
        List<Endpoint> fine = List.of(ep("a", 0, 0.1), ep("b", 1, 0.2));
        assertThat(DEFAULTS.filter(ctx(), fine)).isSameAs(fine);
        assertThat(DEFAULTS.filter(ctx(), List.of())).isEmpty();
    }

    @Test
    void parametersDefaultAndValidate() {
        var p = new UtilizationDetector.Params(null, null, null, null);
        assertThat(p.queueDepthThreshold()).isEqualTo(5);
        assertThat(p.kvCacheUtilThreshold()).isEqualTo(0.8);
        assertThat(p.staleness()).isEqualTo(Duration.ofMillis(200));
        assertThat(p.headroom()).isEqualTo(0.0);
        assertThat(new UtilizationDetector.Params(null, 1.0, null, null).kvCacheUtilThreshold()).isEqualTo(1.0);
        assertField(() -> new UtilizationDetector.Params(0, null, null, null), "queueDepthThreshold");
        assertField(() -> new UtilizationDetector.Params(null, 0.0, null, null), "kvCacheUtilThreshold");
        assertField(() -> new UtilizationDetector.Params(null, 1.1, null, null), "kvCacheUtilThreshold");
        assertField(() -> new UtilizationDetector.Params(null, Double.NaN, null, null), "kvCacheUtilThreshold");
        assertField(() -> new UtilizationDetector.Params(null, null, "200", null), "metricsStalenessThreshold");
        assertField(() -> new UtilizationDetector.Params(null, null, "0s", null), "metricsStalenessThreshold");
        assertField(() -> new UtilizationDetector.Params(null, null, null, -0.1), "headroom");
    }

    private static void assertField(Runnable r, String field) {
        assertThatThrownBy(r::run).isInstanceOf(PluginConfigException.class)
                .satisfies(e -> assertThat(((PluginConfigException) e).field()).isEqualTo(field))
                .hasMessageContaining(field);
    }
}
