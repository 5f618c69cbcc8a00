package io.quarkiverse.llmd.engine.plugins.scheduling.filter;

import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.bylabel.ByLabelFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.labelselector.LabelSelectorFilter;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class LabelFiltersTest {

    private final SchedulingContext context = Fixtures.context(Fixtures.request("m", "hi"));

    private final List<Endpoint> pool = List.of(
            endpoint("gpu-a100-fast", "10.0.0.1:8000", Map.of("gpu", "a100", "tier", "fast")),
            endpoint("gpu-h100-slow", "10.0.0.2:8000", Map.of("gpu", "h100", "tier", "slow")),
            endpoint("gpu-l4", "10.0.0.3:8000", Map.of("gpu", "l4")),
            endpoint("nolabels", "10.0.0.4:8000", Map.of()));

    private List<String> selector(String yaml) {
        Filter filter = (Filter) LabelSelectorFilter.FACTORY.create("f", params(yaml), PluginHandle.NONE);
        return filter.filter(context, pool).stream().map(e -> e.name().substring("default/".length())).toList();
    }

    private List<String> byLabel(String yaml) {
        Filter filter = (Filter) ByLabelFilter.FACTORY.create("f", params(yaml), PluginHandle.NONE);
        return filter.filter(context, pool).stream().map(e -> e.name().substring("default/".length())).toList();
    }

    @Test
    void matchLabelsRequiresEveryLabel() {
        assertThat(selector("matchLabels: {gpu: a100, tier: fast}")).containsExactly("gpu-a100-fast");
        assertThat(selector("matchLabels: {gpu: a100, tier: slow}")).isEmpty();
    }

    @Test
    void operatorsFollowKubernetesSemantics() {
        assertThat(selector("matchExpressions: [{key: gpu, operator: In, values: [a100, l4]}]"))
                .containsExactly("gpu-a100-fast", "gpu-l4");
        // NotIn also matches pods without the label, as in Kubernetes.
        assertThat(selector("matchExpressions: [{key: gpu, operator: NotIn, values: [a100, l4]}]"))
                .containsExactly("gpu-h100-slow", "nolabels");
        assertThat(selector("matchExpressions: [{key: tier, operator: Exists}]"))
                .containsExactly("gpu-a100-fast", "gpu-h100-slow");
        assertThat(selector("matchExpressions: [{key: tier, operator: DoesNotExist}]"))
                .containsExactly("gpu-l4", "nolabels");
    }

    @Test
    void labelsAndExpressionsCombineWithAnd() {
        assertThat(selector("""
                matchLabels: {tier: slow}
                matchExpressions:
                - {key: gpu, operator: In, values: [h100, a100]}
                - {key: zone, operator: DoesNotExist}
                """)).containsExactly("gpu-h100-slow");
    }

    @Test
    void emptySelectorMatchesEverythingWithoutCopying() {
        Filter filter = (Filter) LabelSelectorFilter.FACTORY.create("f", null, PluginHandle.NONE);
        assertThat(filter.filter(context, pool)).isSameAs(pool);
    }

    @Test
    void invalidSelectorsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> selector("matchExpressions: [{key: gpu, operator: in, values: [a]}]"))
                .isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("unknown operator 'in'")
                .extracting(e -> ((PluginConfigException) e).field()).isEqualTo("matchExpressions[0].operator");
        assertThatThrownBy(() -> selector("matchExpressions: [{key: gpu, operator: In}]"))
                .hasMessageContaining("operator In needs at least one value");
        assertThatThrownBy(() -> selector("matchExpressions: [{key: gpu, operator: NotIn, values: []}]"))
                .hasMessageContaining("operator NotIn needs at least one value");
        assertThatThrownBy(() -> selector("matchExpressions: [{key: gpu, operator: Exists, values: [a]}]"))
                .hasMessageContaining("operator Exists takes no values");
        assertThatThrownBy(() -> selector("matchExpressions: [{operator: Exists}]"))
                .hasMessageContaining("label key must not be empty");
        assertThatThrownBy(() -> selector("matchExpressions: [{key: gpu}]"))
                .hasMessageContaining("operator is required");
        assertThatThrownBy(() -> selector("matchExpressions: [{key: gpu, operator: In, values: [\"a b\"]}]"))
                .hasMessageContaining("invalid label value 'a b'");
        assertThatThrownBy(() -> selector("matchLabels: {\"Bad_Prefix/x\": y}"))
                .hasMessageContaining("invalid label key 'Bad_Prefix/x'");
        assertThatThrownBy(() -> selector("matchLabel: {gpu: a100}"))
                .hasMessageContaining("unknown parameter 'matchLabel'");
    }

    @Test
    void acceptsPrefixedKeys() {
        assertThat(selector("matchExpressions: [{key: llm-d.ai/role, operator: DoesNotExist}]")).hasSize(4);
    }

    @Test
    void byLabelKeepsValidValuesAndOptionallyUnlabeledPods() {
        assertThat(byLabel("{label: gpu, validValues: [a100, h100]}")).containsExactly("gpu-a100-fast",
                "gpu-h100-slow");
        assertThat(byLabel("{label: tier, validValues: [fast], allowsNoLabel: true}")).containsExactly(
                "gpu-a100-fast", "gpu-l4", "nolabels");
        assertThat(byLabel("{label: tier, allowsNoLabel: true}")).containsExactly("gpu-l4", "nolabels");
    }

    @Test
    void byLabelParameterErrors() {
        assertThatThrownBy(() -> byLabel("{validValues: [a]}")).hasMessageContaining("label is required");
        assertThatThrownBy(() -> byLabel("{label: gpu}")).hasMessageContaining("validValues must not be empty");
        assertThatThrownBy(() -> byLabel("{label: gpu, validValues: [a], allowsNoLabel: \"yes\"}"))
                .hasMessageContaining("must be of type boolean");
    }

    @Test
    void deprecatedTypesLoadWithWarnings() {
        var loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - name: sel
                  type: by-label-selector
                  parameters:
                    matchLabels: {gpu: a100}
                - name: legacy
                  type: by-label
                  parameters: {label: gpu, validValues: [a100]}
                """);
        assertThat(loaded.warnings()).containsExactly(
                "t.yaml:5: plugin type 'by-label-selector' is deprecated since llm-d v0.9.0 (removal planned in"
                        + " v0.11.0), use 'label-selector-filter'",
                "t.yaml:9: plugin type 'by-label' is deprecated since llm-d v0.9.0 (removal planned in v0.11.0),"
                        + " use 'label-selector-filter'");
        var result = loaded.scheduler().schedule(context, pool);
        assertThat(result.primary().primary().name()).isEqualTo("default/gpu-a100-fast");
    }
}
