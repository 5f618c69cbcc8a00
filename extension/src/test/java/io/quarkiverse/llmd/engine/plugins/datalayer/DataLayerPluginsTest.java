package io.quarkiverse.llmd.engine.plugins.datalayer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.DataSource;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.datalayer.extractor.metrics.CoreMetricsExtractor;
import io.quarkiverse.llmd.engine.plugins.datalayer.source.metrics.MetricsDataSource;

/** {@code metrics-data-source} and {@code core-metrics-extractor} parameters, through the loader. */
class DataLayerPluginsTest {

    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());

    private MetricsDataSource source(String parameters) {
        var loaded = loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: metrics-data-source
                  parameters:
                """ + parameters.indent(4));
        return (MetricsDataSource) loaded.dataLayer().sources().get(0).source();
    }

    private void sourceFails(String parameters, String message) {
        assertThatThrownBy(() -> source(parameters)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void defaultsAreLlmds() {
        MetricsDataSource s = source("{}");
        assertThat(s.settings()).isEqualTo(new MetricsDataSource.Params("http", "/metrics", null, true, null, null,
                null, null));
        assertThat(s.produces()).isEqualTo(DataSource.PROMETHEUS_METRICS);
        assertThat(s.effectiveInterval(Duration.ofMillis(50))).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void intervalIsRoundedToTheBaseTickWithA50msFloor() {
        MetricsDataSource s = source("interval: 1s");
        assertThat(s.effectiveInterval(Duration.ofMillis(50))).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.effectiveInterval(Duration.ofMillis(300))).isEqualTo(Duration.ofMillis(900)); // 3.33 ticks -> 3
        assertThat(s.effectiveInterval(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(1200)); // 2.5 -> 3
        // a base tick below llm-d's 50 ms floor is raised to it
        assertThat(source("interval: 10ms").effectiveInterval(Duration.ofMillis(10))).isEqualTo(Duration.ofMillis(50));
        assertThat(source("interval: 120ms").effectiveInterval(Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(100));
        // never below one tick
        assertThat(source("interval: 1ms").effectiveInterval(Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(200));
        assertThat(source("interval: \"0\"").effectiveInterval(Duration.ofMillis(100)))
                .isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void badParametersNameTheField() {
        sourceFails("port: 70000", "t.yaml:6: plugins[0].parameters.port: plugin 'metrics-data-source' "
                + "(metrics-data-source): port must be between 1 and 65535, got 70000");
        sourceFails("port: 0", "t.yaml:6: plugins[0].parameters.port: plugin 'metrics-data-source' "
                + "(metrics-data-source): port must be between 1 and 65535, got 0");
        sourceFails("interval: -1s", "t.yaml:6: plugins[0].parameters.interval: plugin 'metrics-data-source' "
                + "(metrics-data-source): interval must not be negative, got '-1s'");
        sourceFails("interval: 1", "t.yaml:6: plugins[0].parameters.interval: plugin 'metrics-data-source' "
                + "(metrics-data-source): interval must be a duration such as \"200ms\", \"2s\" or \"1m30s\", got '1'");
        sourceFails("scheme: ftp", "t.yaml:6: plugins[0].parameters.scheme: plugin 'metrics-data-source' "
                + "(metrics-data-source): scheme must be http or https, got 'ftp'");
        sourceFails("path: metrics", "t.yaml:6: plugins[0].parameters.path: plugin 'metrics-data-source' "
                + "(metrics-data-source): path must start with '/', got 'metrics'");
        sourceFails("caCertPath: /ca.pem", "t.yaml:6: plugins[0].parameters.caCertPath: plugin "
                + "'metrics-data-source' (metrics-data-source): caCertPath applies to scheme https only");
        sourceFails("{scheme: https, clientCertPath: /c.pem}", "t.yaml:5: plugins[0].parameters.clientKeyPath: "
                + "plugin 'metrics-data-source' (metrics-data-source): clientCertPath and clientKeyPath must be set "
                + "together");
        // (Jackson lists the known parameters in its own order)
        assertThatThrownBy(() -> source("intervall: 1s")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("t.yaml:6: plugins[0].parameters.intervall: plugin 'metrics-data-source' "
                        + "(metrics-data-source): unknown parameter 'intervall'; known: [")
                .hasMessageContaining("interval");
        MetricsDataSource tls = source("{scheme: https, caCertPath: /ca.pem, clientCertPath: /c.pem, clientKeyPath: "
                + "/k.pem, insecureSkipVerify: false}");
        assertThat(tls.settings().insecureSkipVerify()).isFalse();
        assertThat(tls.settings().clientKeyPath()).isEqualTo("/k.pem");
    }

    @Test
    void coreMetricsExtractorTakesEngineConfigs() {
        var loaded = loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: core-metrics-extractor
                  parameters:
                    engineLabelKey: engine
                    defaultEngine: my-engine
                    engineConfigs:
                    - name: my-engine
                      queuedRequestsSpec: my_waiting
                      runningRequestsSpec: my_running
                      kvUsageSpec: my_kv
                """);
        var extractor = (CoreMetricsExtractor) loaded.dataLayer().sources().get(0).extractors().get(0);
        assertThat(extractor.extractor().engineTypeOf(Map.of())).isEqualTo("my-engine");
        assertThat(extractor.extractor().engineTypeOf(Map.of("engine", "sglang"))).isEqualTo("sglang");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: core-metrics-extractor
                  parameters:
                    defaultEngine: nope
                """)).isInstanceOf(ConfigException.class).hasMessage("t.yaml:5: "
                        + "plugins[0].parameters.engineConfigs: plugin 'core-metrics-extractor' "
                        + "(core-metrics-extractor): defaultEngine 'nope' not found in engine configs [vllm, sglang, "
                        + "trtllm-serve, triton-tensorrt-llm, triton-trtllm]");
    }
}
