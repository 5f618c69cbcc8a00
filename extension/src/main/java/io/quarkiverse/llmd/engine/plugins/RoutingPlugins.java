package io.quarkiverse.llmd.engine.plugins;

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

/** The routing plugins: filters, random pickers, disaggregation profile handlers and their deciders. */
public final class RoutingPlugins {

    private RoutingPlugins() {
    }

    public static void register(PluginRegistry registry) {
        registry.register(LabelSelectorFilter.TYPE, LabelSelectorFilter.FACTORY);
        registry.registerAlias(LabelSelectorFilter.DEPRECATED_ALIAS, LabelSelectorFilter.TYPE);
        registry.registerDeprecated(ByLabelFilter.TYPE, ByLabelFilter.FACTORY, ByLabelFilter.REPLACEMENT);
        registry.register(DecodeFilter.TYPE, DecodeFilter.FACTORY);
        registry.register(PrefillFilter.TYPE, PrefillFilter.FACTORY);
        registry.register(EncodeFilter.TYPE, EncodeFilter.FACTORY);
        registry.register(HeaderBasedTestingFilter.TYPE, HeaderBasedTestingFilter.FACTORY);
        registry.register(ContextLengthAware.TYPE, ContextLengthAware.FACTORY);

        registry.register(RandomPicker.TYPE, RandomPicker.FACTORY);
        registry.register(WeightedRandomPicker.TYPE, WeightedRandomPicker.FACTORY);

        registry.register(DisaggProfileHandler.TYPE, DisaggProfileHandler.FACTORY);
        registry.registerDeprecated(PdProfileHandler.TYPE, PdProfileHandler.FACTORY, DisaggProfileHandler.TYPE);
        registry.register(PrefixBasedPdDecider.TYPE, PrefixBasedPdDecider.FACTORY);
        registry.register(AlwaysDisaggPdDecider.TYPE, AlwaysDisaggPdDecider.FACTORY);
        registry.register(AlwaysDisaggMultimodalDecider.TYPE, AlwaysDisaggMultimodalDecider.FACTORY);
    }
}
