package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.framework.plugin.Stability.BETA;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.scheduling.decider.always.AlwaysDisaggPdDecider;
import io.quarkiverse.llmd.engine.plugins.scheduling.decider.multimodal.AlwaysDisaggMultimodalDecider;
import io.quarkiverse.llmd.engine.plugins.scheduling.decider.prefixbased.PrefixBasedPdDecider;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.bylabel.ByLabelFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.decode.DecodeFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.encode.EncodeFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.labelselector.LabelSelectorFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.prefill.PrefillFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.testing.HeaderBasedTestingFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.random.RandomPicker;
import io.quarkiverse.llmd.engine.plugins.scheduling.picker.weightedrandom.WeightedRandomPicker;
import io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg.DisaggProfileHandler;
import io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.pd.PdProfileHandler;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.contextlength.ContextLengthAware;

/**
 * The routing plugins: filters, random pickers, disaggregation profile handlers and their deciders. Stability levels and
 * deprecation releases are llm-d v0.10's ({@code cmd/epp/runner/runner.go}): all Beta.
 */
public final class RoutingPlugins {

    private RoutingPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(LabelSelectorFilter.TYPE, BETA, LabelSelectorFilter.FACTORY);
        registry.registerAlias(LabelSelectorFilter.DEPRECATED_ALIAS, LabelSelectorFilter.TYPE, "v0.9.0", "v0.11.0");
        registry.registerDeprecated(ByLabelFilter.TYPE, BETA, ByLabelFilter.FACTORY, "v0.9.0", "v0.11.0",
                ByLabelFilter.REPLACEMENT);
        registry.register(DecodeFilter.TYPE, BETA, DecodeFilter.FACTORY);
        registry.register(PrefillFilter.TYPE, BETA, PrefillFilter.FACTORY);
        registry.register(EncodeFilter.TYPE, BETA, EncodeFilter.FACTORY);
        registry.register(HeaderBasedTestingFilter.TYPE, BETA, HeaderBasedTestingFilter.FACTORY);
        registry.register(ContextLengthAware.TYPE, BETA, ContextLengthAware.FACTORY);

        registry.register(RandomPicker.TYPE, BETA, RandomPicker.FACTORY);
        registry.register(WeightedRandomPicker.TYPE, BETA, WeightedRandomPicker.FACTORY);

        registry.register(DisaggProfileHandler.TYPE, BETA, DisaggProfileHandler.FACTORY);
        registry.registerDeprecated(PdProfileHandler.TYPE, BETA, PdProfileHandler.FACTORY, "v0.7.0", "v0.9.0",
                DisaggProfileHandler.TYPE);
        registry.register(PrefixBasedPdDecider.TYPE, BETA, PrefixBasedPdDecider.FACTORY);
        registry.register(AlwaysDisaggPdDecider.TYPE, BETA, AlwaysDisaggPdDecider.FACTORY);
        registry.register(AlwaysDisaggMultimodalDecider.TYPE, BETA, AlwaysDisaggMultimodalDecider.FACTORY);
    }
}
