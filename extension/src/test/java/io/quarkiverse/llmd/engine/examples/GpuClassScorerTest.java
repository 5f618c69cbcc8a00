package io.quarkiverse.llmd.engine.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.testing.Fixtures;

/** The plugin SPI example of docs/modules/ROOT/pages/writing-plugins.adoc, exercised as a user would. */
class GpuClassScorerTest {

    private static final String CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - name: prefer-h100
              type: gpu-class-scorer
              parameters:
                preferred: H100
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
              - pluginRef: prefer-h100
                weight: 3
            """;

    @Test
    void userPluginIsNamedByTypeInTheConfigAndSteersTheDecision() {
        PluginRegistry registry = BuiltInPlugins.registry().register(GpuClassScorer.TYPE, GpuClassScorer.FACTORY);
        var scheduler = new EndpointPickerConfigLoader(registry).load("example.yaml", CONFIG).scheduler();

        var l4 = Fixtures.endpoint("l4", 0, 0, 0.0, Map.of("gpu-class", "L4"));
        var h100 = Fixtures.endpoint("h100", 3, 0, 0.0, Map.of("gpu-class", "H100"));
        var result = scheduler.schedule(Fixtures.context(Fixtures.request("m", "hello")), List.of(l4, h100));

        // queue: l4 1.0, h100 0.0; preference: l4 0, h100 3 => h100 wins despite its queue
        assertThat(result.primary().primary()).isEqualTo(h100);
    }

    @Test
    void invalidParametersAreConfigurationErrorsWithTheLine() {
        PluginRegistry registry = BuiltInPlugins.registry().register(GpuClassScorer.TYPE, GpuClassScorer.FACTORY);
        assertThatThrownBy(() -> new EndpointPickerConfigLoader(registry).load("example.yaml",
                CONFIG.replace("preferred: H100", "preferred: \"\"")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("example.yaml:8: plugins[1].parameters.preferred: ")
                .hasMessageContaining("preferred must name a GPU class");
    }
}
