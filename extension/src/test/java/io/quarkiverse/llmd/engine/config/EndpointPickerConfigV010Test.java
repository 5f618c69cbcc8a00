package io.quarkiverse.llmd.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.CrossReplicaSyncer;
import io.quarkiverse.llmd.engine.framework.datalayer.PeerDiscovery;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.Stability;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requesthandling.RequestParser;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.datalayer.discovery.file.FileDiscovery;
import io.quarkiverse.llmd.engine.plugins.datalayer.extractor.metrics.CoreMetricsExtractor;
import io.quarkiverse.llmd.engine.plugins.datalayer.source.metrics.MetricsDataSource;
import io.quarkiverse.llmd.engine.plugins.requesthandling.parser.openai.OpenAiParser;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.queuedepth.QueueScorer;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/** The sections and rules llm-d v0.10 added to the EndpointPickerConfig (llm-d-v0.10-deltas.md 4.1). */
class EndpointPickerConfigV010Test {

    private static final String HEADER = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            """;

    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());

    private EndpointPickerConfigLoader.Loaded load(String body) {
        return loader.load("t.yaml", HEADER + body);
    }

    private void fails(String body, String message) {
        assertThatThrownBy(() -> load(body)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    // ---- feature gates ----

    @Test
    void gatesCanBeSwitchedOffAndOn() {
        assertThat(load("featureGates: [flowControl]\nplugins: [{type: queue-scorer}]\n").config()
                .featureGate("flowControl")).isTrue();
        assertThat(load("featureGates: [flowControl=true]\nplugins: [{type: queue-scorer}]\n").config()
                .featureGate("flowControl")).isTrue();
        var off = load("featureGates: [flowControl=false]\nplugins: [{type: queue-scorer}]\n");
        assertThat(off.config().featureGate("flowControl")).isFalse();
        assertThat(off.config().featureGates()).isEmpty();
        assertThat(load("featureGates: [\"flowControl=FALSE\"]\nplugins: [{type: queue-scorer}]\n").config()
                .featureGates()).isEmpty();
        // on by default in llm-d, and what this gateway always does
        assertThat(load("featureGates: [haPopulateNonLeaderDatastore]\nplugins: [{type: queue-scorer}]\n")
                .warnings()).isEmpty();
    }

    @Test
    void removedGatesLoadWithAWarning() {
        var loaded = load("featureGates: [dataLayer, enableLegacyMetrics=false]\nplugins: [{type: queue-scorer}]\n");
        assertThat(loaded.config().featureGates()).isEmpty();
        assertThat(loaded.warnings()).containsExactly(
                "t.yaml:3: feature gate dataLayer was removed from llm-d and has no effect: the data layer is always on",
                "t.yaml:3: feature gate enableLegacyMetrics was removed from llm-d and has no effect: the legacy "
                        + "metrics path is gone; configure core-metrics-extractor engineConfigs");
    }

    @Test
    void badGatesAreErrors() {
        fails("featureGates: [flowControl=maybe]\n", "t.yaml:3: featureGates[0]: 'maybe' is not a valid value for "
                + "feature gate flowControl; use flowControl=true or flowControl=false");
        fails("featureGates:\n- flowControl\n- flowControl=false\n", "t.yaml:5: featureGates[1]: feature gate "
                + "flowControl is listed twice (first at line 4)");
        fails("featureGates: [flowControll]\n", "t.yaml:3: featureGates[0]: unknown feature gate 'flowControll'; "
                + "known: [flowControl, haPopulateNonLeaderDatastore] (removed, accepted without effect: [dataLayer, "
                + "enableLegacyMetrics])");
        fails("featureGates: [haPopulateNonLeaderDatastore=false]\n", "t.yaml:3: featureGates[0]: "
                + "haPopulateNonLeaderDatastore=false is not supported: this gateway has no leader election and every"
                + " replica keeps its endpoints and routes");
        fails("featureGates: [1]\n", "t.yaml:3: featureGates[0]: must be a string such as flowControl or "
                + "flowControl=false");
    }

    // ---- saturation detector, moved under flowControl ----

    private static final String DETECTOR = """
            plugins:
            - type: queue-scorer
            - name: sat
              type: concurrency-detector
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
            """;

    @Test
    void saturationDetectorUnderFlowControl() {
        var loaded = load(DETECTOR + "flowControl:\n  saturationDetector:\n    pluginRef: sat\n");
        assertThat(loaded.saturationDetector().typedName().name()).isEqualTo("sat");
        assertThat(loaded.config().saturationDetectorRef()).isEqualTo("sat");
        assertThat(loaded.flowControl().saturationDetectorRef()).isEqualTo("sat");
        // only saturationDetector in the section: nothing to warn about with the gate off
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void topLevelSaturationDetectorIsDeprecated() {
        var loaded = load(DETECTOR + "saturationDetector:\n  pluginRef: sat\n");
        assertThat(loaded.saturationDetector().typedName().name()).isEqualTo("sat");
        assertThat(loaded.warnings()).containsExactly("t.yaml:11: top-level saturationDetector is deprecated, move it"
                + " to flowControl.saturationDetector");
    }

    @Test
    void saturationDetectorInBothPlacesIsAnError() {
        fails(DETECTOR + "saturationDetector:\n  pluginRef: sat\nflowControl:\n  saturationDetector:\n"
                + "    pluginRef: sat\n", "t.yaml:11: saturationDetector: set both here and in "
                        + "flowControl.saturationDetector (line 14); keep only flowControl.saturationDetector");
    }

    @Test
    void saturationDetectorUnderFlowControlMustBeADetector() {
        fails(DETECTOR + "flowControl:\n  saturationDetector:\n    pluginRef: queue-scorer\n",
                "t.yaml:13: flowControl.saturationDetector.pluginRef: plugin 'queue-scorer' (queue-scorer) is not a "
                        + "saturation detector");
        fails(DETECTOR + "flowControl:\n  saturationDetector:\n    pluginRef: nope\n",
                "t.yaml:13: flowControl.saturationDetector.pluginRef: no plugin named 'nope'");
    }

    // ---- flowControl section through the loader ----

    @Test
    void flowControlIsTypedWithLinesInErrors() {
        var loaded = load("""
                featureGates: [flowControl]
                plugins: [{type: queue-scorer}]
                flowControl:
                  noEndpointRequestTTL: 5m
                  enableEviction: true
                  defaultNegativePriorityBand:
                    maxRequests: 10
                """);
        assertThat(loaded.flowControl().defaultRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(loaded.flowControl().noEndpointRequestTTL()).isEqualTo(Duration.ofMinutes(5));
        assertThat(loaded.flowControl().enableEviction()).isTrue();
        assertThat(loaded.flowControl().bandFor(-1).maxRequests()).isEqualTo(10);
        assertThat(loaded.flowControl().bandFor(0).maxRequests()).isEqualTo(5000);
        assertThat(loaded.warnings()).isEmpty();
        fails("plugins: [{type: queue-scorer}]\nflowControl:\n  enableEviction: 1\n",
                "t.yaml:5: flowControl.enableEviction: must be true or false, got 1");
        fails("plugins: [{type: queue-scorer}]\nflowControl:\n  noEndpointRequestTTL: soon\n",
                "t.yaml:5: flowControl.noEndpointRequestTTL: noEndpointRequestTTL must be a duration such as "
                        + "\"200ms\", \"2s\" or \"1m30s\", got 'soon'");
    }

    @Test
    void defaultsWithoutASection() {
        var fc = load("plugins: [{type: queue-scorer}]\n").flowControl();
        assertThat(fc.defaultRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(fc.noEndpointRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(fc.defaultBand().maxRequests()).isEqualTo(5000);
        assertThat(fc.enableEviction()).isFalse();
    }

    @Test
    void flowControlSettingsWithTheGateOffAreReported() {
        var loaded = load("plugins: [{type: queue-scorer}]\nflowControl:\n  defaultRequestTTL: 5s\n");
        assertThat(loaded.flowControl().defaultRequestTTL()).isEqualTo(Duration.ofSeconds(5));
        assertThat(loaded.warnings()).containsExactly("t.yaml:4: the flowControl section is set but the flowControl "
                + "feature gate is off; its settings other than saturationDetector apply only when flow control is "
                + "switched on");
    }

    // ---- requestHandler ----

    @Test
    void openaiParserByDefault() {
        var loaded = load("plugins: [{type: queue-scorer}]\n");
        assertThat(loaded.requestHandler().parsers()).singleElement().isInstanceOf(OpenAiParser.class);
        assertThat(loaded.config().parserRefs()).containsExactly("openai-parser");
        assertThat(loaded.requestHandler().parserFor("/v1/chat/completions")).isPresent();
    }

    @Test
    void parsersAreNamedUnderRequestHandler() {
        var loaded = load("""
                plugins:
                - type: queue-scorer
                - name: oai
                  type: openai-parser
                requestHandler:
                  parsers:
                  - pluginRef: oai
                """);
        assertThat(loaded.requestHandler().parsers()).extracting(p -> p.typedName().name()).containsExactly("oai");
        assertThat(loaded.config().parserRefs()).containsExactly("oai");
        assertThat(loaded.warnings()).isEmpty();
        var request = loaded.requestHandler().parserFor("/v1/completions").orElseThrow().parse("/v1/completions",
                Map.of(), "{\"model\":\"m\",\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(request.model()).isEqualTo("m");
    }

    /** A parser of its own protocol, for the ordering rule. */
    record MessagesParser(TypedName typedName) implements RequestParser {

        @Override
        public boolean supports(String path) {
            return path != null && path.endsWith("/v1/messages");
        }

        @Override
        public InferenceRequest parse(String path, Map<String, String> headers, byte[] body) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void theFirstParserSupportingThePathWins() {
        PluginRegistry registry = BuiltInPlugins.registry().register("messages-parser",
                (name, p, h) -> new MessagesParser(new TypedName("messages-parser", name)));
        var handler = new EndpointPickerConfigLoader(registry).load("t.yaml", HEADER + """
                plugins:
                - type: messages-parser
                - type: openai-parser
                requestHandler:
                  parsers:
                  - pluginRef: messages-parser
                  - pluginRef: openai-parser
                """).requestHandler();
        assertThat(handler.parserFor("/v1/messages").orElseThrow()).isInstanceOf(MessagesParser.class);
        assertThat(handler.parserFor("/v1/chat/completions").orElseThrow()).isInstanceOf(OpenAiParser.class);
        assertThat(handler.parserFor(null).orElseThrow()).isInstanceOf(OpenAiParser.class);
    }

    @Test
    void llmdsDefaultConfigurationIsTypedToo() {
        var loaded = loader.loadDefault();
        assertThat(loaded.requestHandler().parsers()).singleElement().isInstanceOf(OpenAiParser.class);
        assertThat(loaded.dataLayer().sources()).singleElement()
                .satisfies(s -> assertThat(s.source()).isInstanceOf(MetricsDataSource.class));
        assertThat(loaded.flowControl().defaultRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void topLevelParserIsDeprecated() {
        var loaded = load("""
                plugins:
                - type: queue-scorer
                - type: openai-parser
                parser:
                  pluginRef: openai-parser
                """);
        assertThat(loaded.requestHandler().parsers()).extracting(p -> p.typedName().name())
                .containsExactly("openai-parser");
        assertThat(loaded.warnings()).containsExactly("t.yaml:6: top-level parser is deprecated, move it to "
                + "requestHandler.parsers");
    }

    @Test
    void badParserReferencesAreErrors() {
        String plugins = "plugins:\n- type: queue-scorer\n- type: openai-parser\n";
        fails(plugins + "parser: {pluginRef: openai-parser}\nrequestHandler:\n  parsers: [{pluginRef: openai-parser}]\n",
                "t.yaml:6: parser: set both here and in requestHandler.parsers (line 8); keep only "
                        + "requestHandler.parsers");
        fails(plugins + "requestHandler:\n  parsers: [{pluginRef: queue-scorer}]\n", "t.yaml:7: "
                + "requestHandler.parsers[0].pluginRef: plugin 'queue-scorer' (queue-scorer) is not a request parser");
        fails(plugins + "requestHandler:\n  parsers: [{pluginRef: anthropic-parser}]\n", "t.yaml:7: "
                + "requestHandler.parsers[0].pluginRef: no plugin named 'anthropic-parser'; declared: [queue-scorer, "
                + "openai-parser]");
        fails(plugins + "requestHandler:\n  parsers:\n  - pluginRef: openai-parser\n  - pluginRef: openai-parser\n",
                "t.yaml:9: requestHandler.parsers[1].pluginRef: parser 'openai-parser' is listed twice");
        fails(plugins + "requestHandler:\n  parser: {pluginRef: openai-parser}\n", "t.yaml:7: requestHandler.parser: "
                + "unknown field 'parser'; known fields: [parsers]");
        fails(plugins + "parser: {pluginRef: queue-scorer}\n", "t.yaml:6: parser.pluginRef: plugin 'queue-scorer' "
                + "(queue-scorer) is not a request parser");
        fails("plugins:\n- type: anthropic-parser\n", "t.yaml:4: plugins[0].type: unknown plugin type "
                + "'anthropic-parser'");
    }

    // ---- dataLayer ----

    @Test
    void defaultMetricsSourceIsInjected() {
        var dl = load("plugins: [{type: queue-scorer}]\n").dataLayer();
        assertThat(dl.injectDefaults()).isTrue();
        assertThat(dl.sources()).singleElement().satisfies(s -> {
            assertThat(s.source()).isInstanceOf(MetricsDataSource.class);
            assertThat(s.extractors()).singleElement().isInstanceOf(CoreMetricsExtractor.class);
        });
        assertThat(dl.discovery()).isNull();
        assertThat(dl.peerDiscovery()).isNull();
        assertThat(dl.crossReplicaSyncer()).isNull();
        assertThat(dl.crossReplicaSyncInterval()).isNull();
    }

    @Test
    void injectDefaultsFalseMeansNoSources() {
        var dl = load("plugins: [{type: queue-scorer}]\ndataLayer:\n  injectDefaults: false\n").dataLayer();
        assertThat(dl.injectDefaults()).isFalse();
        assertThat(dl.sources()).isEmpty();
    }

    @Test
    void configuredSourceWithParameters() {
        var loaded = load("""
                plugins:
                - type: queue-scorer
                - name: vllm-metrics
                  type: metrics-data-source
                  parameters:
                    port: 9090
                    path: /stats
                    interval: 1s
                - name: sglang
                  type: core-metrics-extractor
                  parameters:
                    defaultEngine: sglang
                dataLayer:
                  sources:
                  - pluginRef: vllm-metrics
                    extractors:
                    - pluginRef: sglang
                """);
        var sources = loaded.dataLayer().sources();
        assertThat(sources).hasSize(1); // a metrics source is listed, so none is injected
        MetricsDataSource source = (MetricsDataSource) sources.get(0).source();
        assertThat(source.settings().port()).isEqualTo(9090);
        assertThat(source.settings().path()).isEqualTo("/stats");
        assertThat(source.effectiveInterval(Duration.ofMillis(50))).isEqualTo(Duration.ofSeconds(1));
        CoreMetricsExtractor extractor = (CoreMetricsExtractor) sources.get(0).extractors().get(0);
        assertThat(extractor.extractor().engineTypeOf(Map.of())).isEqualTo("sglang");
        assertThat(loaded.config().plugins()).extracting(EndpointPickerConfig.PluginSpec::type)
                .containsOnlyOnce("metrics-data-source", "core-metrics-extractor");
    }

    @Test
    void declaredDefaultNamesAreReused() {
        var loaded = load("""
                plugins:
                - type: queue-scorer
                - type: metrics-data-source
                  parameters: {path: /custom}
                """);
        var source = (MetricsDataSource) loaded.dataLayer().sources().get(0).source();
        assertThat(source.settings().path()).isEqualTo("/custom");
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void dataLayerReferencesAreChecked() {
        String plugins = """
                plugins:
                - type: queue-scorer
                - type: metrics-data-source
                - type: core-metrics-extractor
                - name: files
                  type: file-discovery
                  parameters: {path: /etc/epp/endpoints.yaml}
                """;
        fails(plugins + "dataLayer:\n  sources:\n  - pluginRef: queue-scorer\n    extractors: [{pluginRef: "
                + "core-metrics-extractor}]\n", "t.yaml:12: dataLayer.sources[0].pluginRef: plugin 'queue-scorer' "
                        + "(queue-scorer) is not a data source");
        fails(plugins + "dataLayer:\n  sources:\n  - pluginRef: metrics-data-source\n    extractors: [{pluginRef: "
                + "files}]\n", "t.yaml:13: dataLayer.sources[0].extractors[0].pluginRef: plugin 'files' "
                        + "(file-discovery) is not a data extractor");
        fails(plugins + "dataLayer:\n  sources:\n  - pluginRef: metrics-data-source\n",
                "t.yaml:12: dataLayer.sources[0].extractors: is required: the extractors that read what source "
                        + "'metrics-data-source' collects");
        fails(plugins + "dataLayer:\n  sources:\n  - pluginRef: metrics-data-source\n    extractors: []\n",
                "t.yaml:13: dataLayer.sources[0].extractors: must be a non-empty list of {pluginRef}");
        fails(plugins + "dataLayer:\n  sources:\n  - pluginRef: metrics\n    extractors: []\n",
                "t.yaml:12: dataLayer.sources[0].pluginRef: no plugin named 'metrics'; declared: [queue-scorer, "
                        + "metrics-data-source, core-metrics-extractor, files]");
        fails(plugins + "dataLayer:\n  discovery: {pluginRef: metrics-data-source}\n",
                "t.yaml:11: dataLayer.discovery.pluginRef: plugin 'metrics-data-source' (metrics-data-source) is "
                        + "not an endpoint discovery plugin");
        fails(plugins + "dataLayer:\n  discovery: {plugin: files}\n",
                "t.yaml:11: dataLayer.discovery.plugin: unknown field 'plugin'; known fields: [pluginRef]");
        fails(plugins + "dataLayer:\n  peerDiscovery: {pluginRef: files}\n",
                "t.yaml:11: dataLayer.peerDiscovery.pluginRef: plugin 'files' (file-discovery) is not a peer "
                        + "discovery plugin");
        fails(plugins + "dataLayer:\n  crossReplicaSyncerPluginRef: files\n",
                "t.yaml:11: dataLayer.crossReplicaSyncerPluginRef: plugin 'files' (file-discovery) is not a "
                        + "cross-replica syncer");
        fails(plugins + "dataLayer:\n  crossReplicaSyncInterval: 1s\n",
                "t.yaml:11: dataLayer.crossReplicaSyncInterval: has no effect without crossReplicaSyncerPluginRef");
        fails(plugins + "dataLayer:\n  injectDefaults: \"no\"\n",
                "t.yaml:11: dataLayer.injectDefaults: must be true or false, got \"no\"");
        fails(plugins + "dataLayer:\n  source: []\n", "t.yaml:11: dataLayer.source: unknown field 'source'; known "
                + "fields: [crossReplicaSyncInterval, crossReplicaSyncerPluginRef, discovery, injectDefaults, "
                + "peerDiscovery, sources]");
    }

    @Test
    void fileDiscoveryIsTheEndpointSource() {
        var loaded = load("""
                plugins:
                - type: queue-scorer
                - type: file-discovery
                  parameters:
                    path: /etc/epp/endpoints.yaml
                    watchFile: true
                dataLayer:
                  discovery:
                    pluginRef: file-discovery
                """);
        FileDiscovery discovery = (FileDiscovery) loaded.dataLayer().discovery();
        assertThat(discovery.path()).isEqualTo(Path.of("/etc/epp/endpoints.yaml"));
        assertThat(discovery.watchFile()).isTrue();
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void declaredButUnreferencedSectionPluginsAreReported() {
        var loaded = load("""
                plugins:
                - type: queue-scorer
                - type: file-discovery
                  parameters: {path: /etc/epp/endpoints.yaml}
                """);
        assertThat(loaded.warnings()).containsExactly("t.yaml:5: plugin 'file-discovery' (file-discovery) is "
                + "declared but no section references it, so it does nothing");
    }

    /** Peer discovery and syncer contracts have no built-in implementation; an application may bring its own. */
    record Peers(TypedName typedName) implements PeerDiscovery {
    }

    record Syncer(TypedName typedName) implements CrossReplicaSyncer {
    }

    @Test
    void applicationPeerDiscoveryAndSyncerAreTyped() {
        PluginRegistry registry = BuiltInPlugins.registry()
                .register("dns-peers", (name, p, h) -> new Peers(new TypedName("dns-peers", name)))
                .register("redis-syncer", (name, p, h) -> new Syncer(new TypedName("redis-syncer", name)));
        var loaded = new EndpointPickerConfigLoader(registry).load("t.yaml", HEADER + """
                plugins:
                - type: queue-scorer
                - type: dns-peers
                - type: redis-syncer
                dataLayer:
                  peerDiscovery: {pluginRef: dns-peers}
                  crossReplicaSyncerPluginRef: redis-syncer
                  crossReplicaSyncInterval: 250ms
                """);
        assertThat(loaded.dataLayer().peerDiscovery()).isInstanceOf(Peers.class);
        assertThat(loaded.dataLayer().crossReplicaSyncer()).isInstanceOf(Syncer.class);
        assertThat(loaded.dataLayer().crossReplicaSyncInterval()).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> new EndpointPickerConfigLoader(registry).load("t.yaml", HEADER + """
                plugins:
                - type: redis-syncer
                dataLayer:
                  crossReplicaSyncerPluginRef: redis-syncer
                  crossReplicaSyncInterval: 0s
                """)).hasMessage("t.yaml:7: dataLayer.crossReplicaSyncInterval: must be positive, got '0s'");
    }

    // ---- stability ----

    @Test
    void alphaPluginsNeedExperimentalPluginsAllowed() {
        String body = """
                plugins:
                - name: sessions
                  type: session-affinity-scorer
                """;
        fails(body, "t.yaml:5: plugins[0].type: plugin 'sessions' has type 'session-affinity-scorer' of stability "
                + "Alpha (experimental); allow experimental plugins to use it (allowExperimentalPlugins, as llm-d's "
                + "--allow-experimental-plugins=true)");
        var allowed = new EndpointPickerConfigLoader(BuiltInPlugins.registry(),
                new EndpointPickerConfigLoader.Options(true)).load("t.yaml", HEADER + body);
        assertThat(allowed.scheduler().plugins()).containsKey("sessions");
    }

    @Test
    void applicationAlphaTypesAreGatedToo() {
        PluginRegistry registry = BuiltInPlugins.registry().register("my-scorer", Stability.ALPHA,
                (name, p, h) -> new QueueScorer(name));
        assertThatThrownBy(() -> new EndpointPickerConfigLoader(registry).load("t.yaml", HEADER
                + "plugins: [{type: my-scorer}]\n")).hasMessageContaining("of stability Alpha");
        // a type registered without a level is Stable, as in llm-d
        PluginRegistry plain = BuiltInPlugins.registry().register("my-scorer", (name, p, h) -> new QueueScorer(name));
        assertThat(plain.find("my-scorer").orElseThrow().stability()).isEqualTo(Stability.STABLE);
        assertThat(new EndpointPickerConfigLoader(plain).load("t.yaml", HEADER + "plugins: [{type: my-scorer}]\n")
                .warnings()).isEmpty();
    }
}
