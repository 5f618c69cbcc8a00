package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.contextlength;

import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.params;
import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.promptOfTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class ContextLengthAwareTest {

    private static final String LABEL = ContextLengthAware.DEFAULT_LABEL;

    private static Endpoint ranged(String name, String range) {
        return endpoint(name, "10.0.0." + (name.hashCode() & 0x7f) + ":8000",
                range == null ? Map.of() : Map.of(LABEL, range));
    }

    private static SchedulingContext contextOfTokens(int tokens) {
        return Fixtures.context(Fixtures.request("m", promptOfTokens(tokens)));
    }

    private static ContextLengthAware plugin(String yaml) {
        return (ContextLengthAware) ContextLengthAware.FACTORY.create("cl", params(yaml), PluginHandle.NONE);
    }

    @Test
    void scoresFollowTheReferenceFormula() {
        // 1000 tokens (4000 characters).
        List<Endpoint> endpoints = List.of(
                ranged("short", "0-4096"), // in range, width 4096, headroom 3096
                ranged("exact", "1000-1000"), // zero width
                ranged("edge", "1000-2000"), // in range at the lower edge
                ranged("long", "8192-32768"), // 7192 below the range
                ranged("tiny", "0-500"), // 500 above the range
                ranged("none", null),
                ranged("broken", "lots"));
        double[] scores = new double[endpoints.size()];
        plugin("{}").score(contextOfTokens(1000), endpoints, scores);
        // 0.3 + 0.7 * (0.7 / (1 + 4096/10000) + 0.3 * 3096/4096)
        assertThat(scores[0]).isCloseTo(0.806346813812429, within(1e-12));
        assertThat(scores[1]).isEqualTo(1.0);
        // 0.3 + 0.7 * (0.7 / 1.1 + 0.3 * 1)
        assertThat(scores[2]).isCloseTo(0.9554545454545453, within(1e-12));
        // 0.3 / (1 + 7192/1000)
        assertThat(scores[3]).isCloseTo(0.03662109375, within(1e-12));
        // 0.3 / (1 + 500/1000)
        assertThat(scores[4]).isCloseTo(0.2, within(1e-12));
        assertThat(scores[5]).isEqualTo(0.5);
        assertThat(scores[6]).isEqualTo(0.5);
    }

    @Test
    void parsesRangesStrictly() {
        assertThat(ContextLengthAware.bound("0-4096", true)).isZero();
        assertThat(ContextLengthAware.bound("0-4096", false)).isEqualTo(4096);
        assertThat(ContextLengthAware.bound(" 10 - 20 ", false)).isEqualTo(20);
        assertThat(ContextLengthAware.bound("20-10", true)).isEqualTo(-1);
        assertThat(ContextLengthAware.bound("-10", true)).isEqualTo(-1);
        assertThat(ContextLengthAware.bound("10-", true)).isEqualTo(-1);
        assertThat(ContextLengthAware.bound("1k-2k", true)).isEqualTo(-1);
    }

    @Test
    void customLabel() {
        ContextLengthAware plugin = plugin("{label: example.com/ctx}");
        List<Endpoint> endpoints = List.of(endpoint("a", "10.0.0.1:8000", Map.of("example.com/ctx", "0-10")),
                ranged("b", "0-10"));
        double[] scores = new double[2];
        plugin.score(contextOfTokens(100), endpoints, scores);
        assertThat(scores[0]).isCloseTo(0.3 / 1.09, within(1e-12));
        assertThat(scores[1]).isEqualTo(0.5); // the default label is not read
    }

    @Test
    void filteringIsOffByDefault() {
        List<Endpoint> endpoints = List.of(ranged("short", "0-100"), ranged("long", "1000-9000"));
        assertThat(plugin("{}").filter(contextOfTokens(5000), endpoints)).isSameAs(endpoints);
    }

    @Test
    void filterKeepsInRangeAndUnlabeledPods() {
        List<Endpoint> endpoints = List.of(ranged("short", "0-2048"), ranged("none", null),
                ranged("long", "2049-32768"), ranged("broken", "x"));
        ContextLengthAware filter = plugin("{enableFiltering: true}");
        assertThat(filter.filter(contextOfTokens(100), endpoints)).extracting(Endpoint::name)
                .containsExactly("default/short", "default/none", "default/broken");
        assertThat(filter.filter(contextOfTokens(4000), endpoints)).extracting(Endpoint::name)
                .containsExactly("default/none", "default/long", "default/broken");
        // Boundaries are inclusive.
        assertThat(filter.filter(contextOfTokens(2048), endpoints)).extracting(Endpoint::name)
                .containsExactly("default/short", "default/none", "default/broken");
    }

    @Test
    void filterFailsOpenWhenNoRangeFits() {
        List<Endpoint> endpoints = List.of(ranged("short", "0-2048"), ranged("medium", "2049-8192"));
        assertThat(plugin("{enableFiltering: true}").filter(contextOfTokens(100_000), endpoints))
                .isSameAs(endpoints);
    }

    @Test
    void actsAsFilterAndScorerInAProfile() {
        var loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: context-length-aware
                  parameters: {enableFiltering: true}
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: context-length-aware
                    weight: 2
                """);
        var profile = loaded.scheduler().profiles().get("default");
        assertThat(profile.filters()).hasSize(1);
        assertThat(profile.scorers()).hasSize(1);
        List<Endpoint> endpoints = List.of(ranged("short", "0-2048"), ranged("none", null),
                ranged("long", "2049-32768"));
        SchedulingContext context = contextOfTokens(4000);
        var result = loaded.scheduler().schedule(context, endpoints);
        // short is filtered out; long scores 0.3 + 0.7 * (0.7 / (1 + 3.0719) + 0.3 * 28768/30719) > 0.5 (unlabeled).
        assertThat(result.primary().primary().name()).isEqualTo("default/long");
        assertThat(result.targets().get(0).score()).isCloseTo(
                2 * (0.3 + 0.7 * (0.7 / (1 + 30719 / 10000.0) + 0.3 * 28768 / 30719.0)), within(1e-12));
    }

    @Test
    void parameterErrors() {
        assertThatThrownBy(() -> plugin("{label: \" \"}")).hasMessageContaining("label must not be blank");
        assertThatThrownBy(() -> plugin("{enableFiltering: 1}")).hasMessageContaining("must be of type boolean");
        assertThatThrownBy(() -> plugin("{enableFilter: true}")).hasMessageContaining("unknown parameter");
    }
}
