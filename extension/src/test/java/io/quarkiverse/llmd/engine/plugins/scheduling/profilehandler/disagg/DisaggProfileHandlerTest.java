package io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg;

import static io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg.DisaggProfileHandler.DATA_PARALLEL_HEADER;
import static io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg.DisaggProfileHandler.ENCODERS_HEADER;
import static io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg.DisaggProfileHandler.PREFILLER_HEADER;
import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.promptOfTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfig;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.DisaggDecision;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class DisaggProfileHandlerTest {

    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(FakePrefixProducer.registry());

    /** Shaped like llm-d's deploy/config/pd-epp-config.yaml, with a fixed prefix-match producer. */
    private static String pdConfig(String matches, String handler) {
        return """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: test-prefix-match
                  parameters:
                    blockSize: 16
                    matches: %s
                - type: prefill-filter
                - type: decode-filter
                - type: queue-scorer
                - type: max-score-picker
                - type: prefix-based-pd-decider
                  parameters:
                    nonCachedTokens: 16
                %s
                schedulingProfiles:
                - name: prefill
                  plugins:
                  - pluginRef: prefill-filter
                  - pluginRef: queue-scorer
                    weight: 1
                  - pluginRef: max-score-picker
                - name: decode
                  plugins:
                  - pluginRef: decode-filter
                  - pluginRef: queue-scorer
                    weight: 1
                  - pluginRef: max-score-picker
                """.formatted(matches, handler);
    }

    private static final String DISAGG_HANDLER = """
            - type: disagg-profile-handler
              parameters:
                deciders:
                  prefill: prefix-based-pd-decider""";

    private static Endpoint pod(String name, String address, String role, int waiting) {
        return new Endpoint("default/" + name, address, role == null ? Map.of() : Map.of(Endpoint.ROLE_LABEL, role),
                EndpointMetrics.load(waiting, 0, 0.0, Fixtures.NOW));
    }

    private final List<Endpoint> pool = List.of(
            pod("prefill-1", "10.0.1.1:8000", "prefill", 0),
            pod("prefill-2", "10.0.1.2:8000", "prefill", 5),
            pod("decode-1", "10.0.2.1:8000", "decode", 0),
            pod("decode-2", "10.0.2.2:8000", "decode", 3));

    /** Schedules and, when that succeeds, runs the pre-request hooks, as the request path does. */
    private static SchedulingResult route(Scheduler scheduler, SchedulingContext context, List<Endpoint> endpoints) {
        SchedulingResult result = scheduler.schedule(context, endpoints);
        if (result.succeeded()) {
            scheduler.preRequest(context, result);
        }
        return result;
    }

    private static SchedulingContext prompt(int tokens) {
        return Fixtures.context(Fixtures.request("m", promptOfTokens(tokens)));
    }

    @Test
    void shortPromptIsDecodeOnly() {
        Scheduler scheduler = loader.load("pd.yaml", pdConfig("{}", DISAGG_HANDLER)).scheduler();
        SchedulingContext context = prompt(10); // 10 tokens < nonCachedTokens 16
        SchedulingResult result = route(scheduler, context, pool);
        assertThat(result.primaryProfileName()).isEqualTo("decode");
        assertThat(result.targets()).extracting(t -> t.endpoint().name()).containsExactly("default/decode-1");
        assertThat(result.profileResults()).containsOnlyKeys("decode");
        assertThat(context.addedHeaders()).isEmpty();
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.DECODE_ONLY);
    }

    @Test
    void longUncachedPromptIsPrefillDecodeWithPrefillerHeader() {
        Scheduler scheduler = loader.load("pd.yaml", pdConfig("{}", DISAGG_HANDLER)).scheduler();
        SchedulingContext context = prompt(100);
        SchedulingResult result = route(scheduler, context, pool);
        assertThat(result.primaryProfileName()).isEqualTo("decode");
        assertThat(result.primary().primary().name()).isEqualTo("default/decode-1");
        assertThat(result.profile("prefill").primary().name()).isEqualTo("default/prefill-1");
        assertThat(context.addedHeaders()).containsExactly(Map.entry(PREFILLER_HEADER, "10.0.1.1:8000"));
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.PREFILL_DECODE);
        assertThat(context.get(DisaggDecision.KEY).label()).isEqualTo("prefill-decode");
    }

    @Test
    void cachedPrefixOnTheDecodePodDecidesAgainstPrefill() {
        // 100 tokens; decode-1 holds 6 blocks of 16 = 96 tokens: 4 uncached < 16.
        Scheduler cached = loader.load("pd.yaml", pdConfig("{default/decode-1: 6}", DISAGG_HANDLER)).scheduler();
        SchedulingContext context = prompt(100);
        route(cached, context, pool);
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.DECODE_ONLY);
        // 5 blocks = 80 tokens: exactly 20 uncached >= 16.
        Scheduler partly = loader.load("pd.yaml", pdConfig("{default/decode-1: 5}", DISAGG_HANDLER)).scheduler();
        context = prompt(100);
        route(partly, context, pool);
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.PREFILL_DECODE);
        // A match on another pod does not count for the decode pod.
        Scheduler elsewhere = loader.load("pd.yaml", pdConfig("{default/decode-2: 6}", DISAGG_HANDLER)).scheduler();
        context = prompt(100);
        route(elsewhere, context, pool);
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.PREFILL_DECODE);
    }

    @Test
    void failedDecodeFailsTheRequestWithoutRunningPrefill() {
        Scheduler scheduler = loader.load("pd.yaml", pdConfig("{}", DISAGG_HANDLER)).scheduler();
        SchedulingContext context = prompt(100);
        SchedulingResult result = scheduler.schedule(context, pool.subList(0, 2)); // prefill pods only
        assertThat(result.succeeded()).isFalse();
        assertThat(result.profileResults()).containsOnlyKeys("decode");
        assertThat(context.get(DisaggDecision.KEY)).isNull();
    }

    @Test
    void failedPrefillFallsBackToDecodeOnly() {
        Scheduler scheduler = loader.load("pd.yaml", pdConfig("{}", DISAGG_HANDLER)).scheduler();
        SchedulingContext context = prompt(100);
        SchedulingResult result = route(scheduler, context, pool.subList(2, 4)); // decode pods only
        assertThat(result.succeeded()).isTrue();
        assertThat(result.profileResults()).containsKeys("decode", "prefill");
        assertThat(result.profile("prefill")).isNull();
        assertThat(context.addedHeaders()).isEmpty();
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.DECODE_ONLY);
    }

    @Test
    void staleHeadersAreRemovedWhenAStageIsSkipped() {
        Scheduler scheduler = loader.load("pd.yaml", pdConfig("{}", DISAGG_HANDLER)).scheduler();
        SchedulingContext context = prompt(10);
        context.mutableHeaders().put(PREFILLER_HEADER, "10.9.9.9:8000");
        context.mutableHeaders().put(ENCODERS_HEADER, "10.9.9.9:8000");
        context.mutableHeaders().put("x-other", "kept");
        route(scheduler, context, pool);
        assertThat(context.addedHeaders()).containsExactly(Map.entry("x-other", "kept"));
    }

    @Test
    void prefixDeciderGetsTheDefaultProducerAddedAutomatically() {
        var loaded = loader.load("pd.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: decode-filter
                - type: prefill-filter
                - type: prefix-based-pd-decider
                  parameters: {nonCachedTokens: 16}
                - type: disagg-profile-handler
                  parameters:
                    deciders: {prefill: prefix-based-pd-decider}
                schedulingProfiles:
                - name: decode
                  plugins: [{pluginRef: decode-filter}]
                - name: prefill
                  plugins: [{pluginRef: prefill-filter}]
                """);
        assertThat(loaded.config().plugins()).filteredOn(EndpointPickerConfig.PluginSpec::defaulted)
                .extracting(EndpointPickerConfig.PluginSpec::type)
                .contains("approx-prefix-cache-producer", "max-score-picker");
        SchedulingContext context = prompt(10);
        assertThat(route(loaded.scheduler(), context, pool).succeeded()).isTrue();
    }

    @Test
    void encodePrefillDecodeForMultimodalRequests() {
        var loaded = loader.load("epd.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: encode-filter
                - type: prefill-filter
                - type: decode-filter
                - type: queue-scorer
                - type: max-score-picker
                - name: all-encoders
                  type: max-score-picker
                  parameters: {maxNumOfEndpoints: 2}
                - type: always-disagg-pd-decider
                - type: always-disagg-multimodal-decider
                - type: disagg-profile-handler
                  parameters:
                    profiles: {decode: dec, prefill: pre, encode: enc}
                    deciders: {prefill: always-disagg-pd-decider, encode: always-disagg-multimodal-decider}
                schedulingProfiles:
                - name: enc
                  plugins: [{pluginRef: encode-filter}, {pluginRef: queue-scorer}, {pluginRef: all-encoders}]
                - name: pre
                  plugins: [{pluginRef: prefill-filter}, {pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
                - name: dec
                  plugins: [{pluginRef: decode-filter}, {pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
                """);
        List<Endpoint> endpoints = List.of(
                pod("enc-1", "10.0.3.1:8000", "encode", 0),
                pod("enc-2", "10.0.3.2:8000", "encode", 1),
                pod("enc-3", "10.0.3.3:8000", "encode", 9),
                pod("prefill-1", "10.0.1.1:8000", "prefill", 0),
                pod("decode-1", "10.0.2.1:8000", "decode", 0));

        SchedulingContext multimodal = Fixtures.context(new InferenceRequest("r", ApiType.CHAT_COMPLETIONS, "m", "m",
                false, null, Map.of(), null, "describe".getBytes(StandardCharsets.UTF_8), true));
        SchedulingResult result = route(loaded.scheduler(), multimodal, endpoints);
        assertThat(result.primary().primary().name()).isEqualTo("default/decode-1");
        assertThat(result.profileResults()).containsOnlyKeys("dec", "enc", "pre");
        assertThat(multimodal.addedHeaders()).containsOnly(
                Map.entry(PREFILLER_HEADER, "10.0.1.1:8000"),
                Map.entry(ENCODERS_HEADER, "10.0.3.1:8000,10.0.3.2:8000"));
        assertThat(multimodal.get(DisaggDecision.KEY).label()).isEqualTo("encode-prefill-decode");

        SchedulingContext text = prompt(10);
        route(loaded.scheduler(), text, endpoints);
        assertThat(text.addedHeaders()).containsOnlyKeys(PREFILLER_HEADER);
        assertThat(text.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.PREFILL_DECODE);
    }

    @Test
    void encodeWithoutPrefillStage() {
        var loaded = loader.load("ed.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: encode-filter
                - type: decode-filter
                - type: always-disagg-pd-decider
                - type: disagg-profile-handler
                  parameters:
                    deciders: {encode: always-disagg-pd-decider}
                schedulingProfiles:
                - name: encode
                  plugins: [{pluginRef: encode-filter}]
                - name: decode
                  plugins: [{pluginRef: decode-filter}]
                """);
        SchedulingContext context = prompt(10);
        route(loaded.scheduler(), context, List.of(pod("enc-1", "10.0.3.1:8000", "encode", 0),
                pod("decode-1", "10.0.2.1:8000", "decode", 0)));
        assertThat(context.addedHeaders()).containsExactly(Map.entry(ENCODERS_HEADER, "10.0.3.1:8000"));
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.ENCODE_DECODE);
    }

    @Test
    void legacyFlatParameters() {
        String config = pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    decodeProfile: decode
                    prefillProfile: prefill
                    deciderPluginName: prefix-based-pd-decider""");
        var loaded = loader.load("pd.yaml", config);
        DisaggProfileHandler handler = (DisaggProfileHandler) loaded.scheduler().profileHandler();
        assertThat(handler.prefillDecider().typedName().name()).isEqualTo("prefix-based-pd-decider");
        assertThat(handler.encodeDecider()).isNull();
        SchedulingContext context = prompt(100);
        route(loaded.scheduler(), context, pool);
        assertThat(context.addedHeaders()).containsEntry(PREFILLER_HEADER, "10.0.1.1:8000");

        var newer = loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    prefillDeciderPluginName: prefix-based-pd-decider"""));
        assertThat(((DisaggProfileHandler) newer.scheduler().profileHandler()).prefillDecider()).isNotNull();
    }

    @Test
    void parameterErrorsNameTheField() {
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    profiles: {decode: decode}
                    prefillProfile: prefill""")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pd.yaml:18: plugins[6].parameters.prefillProfile: ")
                .hasMessageContaining("legacy parameter 'prefillProfile' cannot be mixed with 'profiles'");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    deciders: {prefill: nope}""")))
                .hasMessageContaining("plugins[6].parameters.deciders.prefill: ")
                .hasMessageContaining("no plugin named 'nope'");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    deciders: {prefill: queue-scorer}""")))
                .hasMessageContaining("plugin 'queue-scorer' (queue-scorer) is not a decider");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    profiles: {decode: decoder}""")))
                .hasMessageContaining("decode profile 'decoder' is not configured; profiles: [prefill, decode]");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    profiles: {prefill: pre}
                    deciders: {prefill: prefix-based-pd-decider}""")))
                .hasMessageContaining("prefill profile 'pre' is not");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    profiles: {decode: x, prefill: x}""")))
                .hasMessageContaining("must be different");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    deciderPluginName: a
                    prefillDeciderPluginName: b""")))
                .hasMessageContaining("name different deciders");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: disagg-profile-handler
                  parameters:
                    profile: {decode: decode}""")))
                .hasMessageContaining("unknown parameter 'profile'");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: prefix-based-pd-decider
                  name: bad
                  parameters: {nonCachedTokens: -1}""")))
                .hasMessageContaining("nonCachedTokens must be >= 0");
    }

    @Test
    void deprecatedPdProfileHandlerAdaptsToTheSameLogic() {
        var loaded = loader.load("pd.yaml", pdConfig("{}", """
                - type: pd-profile-handler
                  parameters:
                    prefixPluginType: prefix-cache-scorer
                    prefixPluginName: prefix-cache-scorer"""));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).isEqualTo(
                "pd.yaml:15: plugin type 'pd-profile-handler' is deprecated since llm-d v0.7.0 (removal planned in"
                        + " v0.9.0), use 'disagg-profile-handler'"));
        assertThat(loaded.scheduler().profileHandler().typedName().type()).isEqualTo("pd-profile-handler");
        SchedulingContext context = prompt(100);
        route(loaded.scheduler(), context, pool);
        assertThat(context.addedHeaders()).containsExactly(Map.entry(PREFILLER_HEADER, "10.0.1.1:8000"));
        assertThat(context.get(DisaggDecision.KEY)).isEqualTo(DisaggDecision.PREFILL_DECODE);
    }

    @Test
    void pdProfileHandlerNeedsItsDecider() {
        assertThatThrownBy(() -> loader.load("pd.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: decode-filter
                - type: pd-profile-handler
                schedulingProfiles:
                - name: decode
                  plugins: [{pluginRef: decode-filter}]
                """)).hasMessageContaining("plugins[1].parameters.deciderPluginName: ")
                .hasMessageContaining("no plugin named 'prefix-based-pd-decider'");
        assertThatThrownBy(() -> loader.load("pd.yaml", pdConfig("{}", """
                - type: pd-profile-handler
                  parameters: {primaryPort: 70000}""")))
                .hasMessageContaining("primaryPort must be between 1.0 and 65535.0");
    }

    @Test
    void pdProfileHandlerPrimaryPortRewritesTheDecodeTarget() {
        var loaded = loader.load("pd.yaml", pdConfig("{}", """
                - type: pd-profile-handler
                  parameters: {primaryPort: 8000}"""));
        List<Endpoint> ranks = List.of(
                pod("prefill-1", "10.0.1.1:8000", "prefill", 0),
                pod("decode-1-rank-1", "10.0.2.1:3002", "decode", 0),
                pod("decode-2-rank-0", "10.0.2.2:3000", "decode", 4));
        SchedulingContext context = prompt(100);
        SchedulingResult result = route(loaded.scheduler(), context, ranks);
        assertThat(result.primary().primary().address()).isEqualTo("10.0.2.1:8000");
        assertThat(result.primary().primary().name()).isEqualTo("default/decode-1-rank-1");
        assertThat(context.addedHeaders()).containsOnly(Map.entry(PREFILLER_HEADER, "10.0.1.1:8000"),
                Map.entry(DATA_PARALLEL_HEADER, "10.0.2.1:3002"));

        SchedulingContext shortPrompt = prompt(1);
        route(loaded.scheduler(), shortPrompt, ranks);
        assertThat(shortPrompt.addedHeaders()).containsOnly(Map.entry(DATA_PARALLEL_HEADER, "10.0.2.1:3002"));
    }
}
