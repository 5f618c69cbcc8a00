package io.quarkiverse.llmd.engine.config;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The EndpointPickerConfig document after defaulting (reference scheduler-epp.md 3.3): what the scheduler was
 * built from, printable for users and the Dev UI.
 *
 * @param apiVersion {@code llm-d.ai/v1alpha1} or the deprecated {@code inference.networking.x-k8s.io/v1alpha1}
 * @param featureGates the feature gates the configuration enables, by name ({@code flowControl}); removed and
 *        disabled gates are not listed
 * @param plugins plugin declarations, including the ones added by defaulting
 * @param schedulingProfiles profiles with their plugin references
 * @param saturationDetectorRef name of the saturation detector plugin ({@code flowControl.saturationDetector}, the
 *        deprecated top-level {@code saturationDetector}, or the injected {@code utilization-detector})
 * @param parserRefs names of the parser plugins in order ({@code requestHandler.parsers}, the deprecated top-level
 *        {@code parser}, or the injected {@code openai-parser})
 * @param dataLayer the {@code dataLayer} section as given, or null; the validated form is
 *        {@link EndpointPickerConfigLoader.Loaded#dataLayer()}
 * @param flowControl the {@code flowControl} section as given, or null; the validated form is
 *        {@link EndpointPickerConfigLoader.Loaded#flowControl()}
 */
public record EndpointPickerConfig(
        String apiVersion,
        List<String> featureGates,
        List<PluginSpec> plugins,
        List<ProfileSpec> schedulingProfiles,
        String saturationDetectorRef,
        List<String> parserRefs,
        JsonNode dataLayer,
        JsonNode flowControl) {

    public static final String API_VERSION = "llm-d.ai/v1alpha1";
    public static final String DEPRECATED_API_VERSION = "inference.networking.x-k8s.io/v1alpha1";
    public static final String KIND = "EndpointPickerConfig";

    public EndpointPickerConfig {
        featureGates = List.copyOf(featureGates);
        plugins = List.copyOf(plugins);
        schedulingProfiles = List.copyOf(schedulingProfiles);
        parserRefs = List.copyOf(parserRefs);
    }

    /** Whether the gate is listed as enabled ({@code flowControl} or {@code flowControl=true}). */
    public boolean featureGate(String gate) {
        return featureGates.contains(gate);
    }

    /**
     * One plugin declaration.
     *
     * @param defaulted true when the loader added it (defaulting rules), not the user
     */
    public record PluginSpec(String name, String type, JsonNode parameters, boolean defaulted) {
    }

    /** A scheduling profile and the plugins it references. */
    public record ProfileSpec(String name, List<PluginRef> plugins) {

        public ProfileSpec {
            plugins = List.copyOf(plugins);
        }
    }

    /** A profile's reference to a plugin; the weight matters for scorers only. */
    public record PluginRef(String pluginRef, double weight) {
    }
}
