package io.quarkiverse.llmd.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class EndpointPickerConfigLoaderTest {

    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());

    @Test
    void noProfilesMeansOneDefaultProfileWithEveryPluginAndDefaultPickerAndHandler() {
        var loaded = loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: queue-scorer
                """);
        assertThat(loaded.config().schedulingProfiles()).hasSize(1);
        var profile = loaded.config().schedulingProfiles().get(0);
        assertThat(profile.name()).isEqualTo("default");
        assertThat(profile.plugins()).extracting(EndpointPickerConfig.PluginRef::pluginRef)
                .containsExactly("queue-scorer", "max-score-picker");
        assertThat(loaded.config().plugins()).extracting(EndpointPickerConfig.PluginSpec::type)
                .containsExactly("queue-scorer", "max-score-picker", "single-profile-handler", "utilization-detector",
                        "openai-parser", "metrics-data-source", "core-metrics-extractor");
        assertThat(loaded.config().saturationDetectorRef()).isEqualTo("utilization-detector");
        assertThat(loaded.saturationDetector().typedName().type()).isEqualTo("utilization-detector");

        List<Endpoint> endpoints = List.of(Fixtures.endpoint("a", 5, 0.1), Fixtures.endpoint("b", 1, 0.9),
                Fixtures.endpoint("c", 3, 0.0));
        SchedulingResult result = loaded.scheduler().schedule(Fixtures.context(Fixtures.request("m", "hi")),
                endpoints);
        assertThat(result.succeeded()).isTrue();
        assertThat(result.primary().primary().name()).isEqualTo("default/b");
    }

    @Test
    void deprecatedApiVersionIsAcceptedWithWarning() {
        var loaded = loader.load("t.yaml", """
                apiVersion: inference.networking.x-k8s.io/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: queue-scorer
                """);
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).contains("deprecated"));
    }

    @Test
    void unknownTopLevelFieldNamesLine() {
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugin:
                - type: queue-scorer
                """)).isInstanceOf(ConfigException.class)
                .hasMessage("t.yaml:3: plugin: unknown field 'plugin'; known fields: [apiVersion, dataLayer, "
                        + "featureGates, flowControl, kind, parser, plugins, requestHandler, saturationDetector, "
                        + "schedulingProfiles]");
    }

    @Test
    void unknownTypeSuggestsClosest() {
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - name: q
                  type: queue-scorr
                """)).isInstanceOf(ConfigException.class)
                .hasMessage("t.yaml:5: plugins[0].type: unknown plugin type 'queue-scorr'; did you mean 'queue-scorer'?");
    }

    @Test
    void duplicateNamesMissingRefsAndWrongParameterTypesNameFieldAndLine() {
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: queue-scorer
                - type: queue-scorer
                """)).hasMessageStartingWith("t.yaml:5: plugins[1].type: duplicate plugin name 'queue-scorer'");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: queue-scorer
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: queue
                """)).hasMessageStartingWith("t.yaml:8: schedulingProfiles[0].plugins[0].pluginRef: no plugin named 'queue'");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: max-score-picker
                  parameters:
                    maxNumOfEndpoints: "two"
                """)).hasMessageStartingWith("t.yaml:6: plugins[0].parameters.maxNumOfEndpoints: plugin 'max-score-picker'"
                        + " (max-score-picker): parameter 'maxNumOfEndpoints' must be of type integer");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: max-score-picker
                  parameters:
                    maxNumOfEndpoint: 2
                """)).hasMessageContaining("t.yaml:6: plugins[0].parameters.maxNumOfEndpoint: ")
                .hasMessageContaining("unknown parameter 'maxNumOfEndpoint'");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: max-score-picker
                  parameters:
                    maxNumOfEndpoints: 0
                """)).hasMessageContaining("t.yaml:6: plugins[0].parameters.maxNumOfEndpoints: ")
                .hasMessageContaining("maxNumOfEndpoints must be > 0, got 0");
    }

    @Test
    void saturationDetectorRefMustNameADetector() {
        var loaded = loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: queue-scorer
                - name: sat
                  type: concurrency-detector
                  parameters:
                    maxConcurrency: 10
                saturationDetector:
                  pluginRef: sat
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: queue-scorer
                """);
        assertThat(loaded.saturationDetector().typedName().name()).isEqualTo("sat");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: queue-scorer
                saturationDetector:
                  pluginRef: queue-scorer
                """)).hasMessage("t.yaml:6: saturationDetector.pluginRef: plugin 'queue-scorer' (queue-scorer) is not"
                        + " a saturation detector");
    }

    @Test
    void invalidYamlNamesLine() {
        assertThatThrownBy(() -> loader.load("t.yaml", "apiVersion: llm-d.ai/v1alpha1\nkind: [unclosed\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("invalid YAML");
    }
}
