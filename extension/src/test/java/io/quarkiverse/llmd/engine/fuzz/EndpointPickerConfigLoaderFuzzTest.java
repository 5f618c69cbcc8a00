package io.quarkiverse.llmd.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;

/**
 * Any configuration text either loads into a scheduler or is refused with a {@link ConfigException} naming the
 * source; nothing else escapes (no parser exception, no stack overflow on deep nesting, no alias bomb).
 */
class EndpointPickerConfigLoaderFuzzTest {

    private static final String[] FRAGMENTS = { "apiVersion: llm-d.ai/v1alpha1\n", "kind: EndpointPickerConfig\n",
            "plugins:\n", "- type: queue-scorer\n", "- type: max-score-picker\n", "- type: prefix-cache-scorer\n",
            "  parameters:\n", "    blockSizeTokens: 16\n", "    maxPrefixBlocksToMatch: -1\n",
            "schedulingProfiles:\n", "- name: default\n", "  plugins:\n", "  - pluginRef: queue-scorer\n",
            "    weight: 2\n", "featureGates: [flowControl]\n", "flowControl:\n", "  maxRequests: 10\n",
            "  defaultRequestTTL: 1s\n", "saturationDetector:\n", "  pluginRef: utilization-detector\n",
            "dataLayer:\n", "requestHandler:\n", "  name: x\n", "- &a [*a]\n", "{", "[", "\"", "'", ": ", "\t",
            "---\n", "!!binary x\n", "<<: *b\n" };

    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());

    @FuzzTest(maxDuration = "15s")
    void load(FuzzedDataProvider data) {
        String text;
        if (data.consumeBoolean()) {
            StringBuilder sb = new StringBuilder();
            int n = data.consumeInt(0, 24);
            for (int i = 0; i < n; i++) {
                sb.append(data.consumeBoolean() ? data.pickValue(FRAGMENTS) : data.consumeString(16));
            }
            text = sb.toString();
        } else {
            text = data.consumeRemainingAsString();
        }
        try {
            EndpointPickerConfigLoader.Loaded loaded = loader.load("fuzz.yaml", text);
            assertThat(loaded.scheduler()).isNotNull();
        } catch (ConfigException refused) {
            assertThat(refused.getMessage()).contains("fuzz.yaml");
        }
    }
}
