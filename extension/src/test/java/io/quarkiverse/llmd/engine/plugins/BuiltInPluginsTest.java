package io.quarkiverse.llmd.engine.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry.Registration;
import io.quarkiverse.llmd.engine.framework.plugin.Stability;

/** Registration metadata of the built-in types against llm-d v0.10's registry ({@code cmd/epp/runner/runner.go}). */
class BuiltInPluginsTest {

    private final PluginRegistry registry = BuiltInPlugins.registry();

    @Test
    void everyBuiltInIsBetaExceptTheSessionAffinityScorer() {
        Map<String, Stability> levels = new TreeMap<>();
        for (Registration r : registry.registrations()) {
            levels.put(r.type(), r.stability());
        }
        assertThat(levels).containsEntry("session-affinity-scorer", Stability.ALPHA);
        List<String> notBeta = new ArrayList<>();
        levels.forEach((type, level) -> {
            if (level != Stability.BETA) {
                notBeta.add(type);
            }
        });
        assertThat(notBeta).containsExactly("session-affinity-scorer");
        assertThat(levels.keySet()).contains("openai-parser", "metrics-data-source", "core-metrics-extractor",
                "file-discovery", "global-strict-fairness-policy", "round-robin-fairness-policy",
                "fcfs-ordering-policy", "edf-ordering-policy", "static-usage-limit-policy", "utilization-detector",
                "queue-scorer", "max-score-picker", "single-profile-handler");
    }

    @Test
    void deprecatedTypesNameTheirReplacementAndReleases() {
        List<String> deprecated = new ArrayList<>();
        for (Registration r : registry.registrations()) {
            if (r.deprecated()) {
                deprecated.add(r.type() + " -> " + r.replacement() + " (" + r.deprecatedIn() + ", " + r.removalIn()
                        + ")");
            }
        }
        assertThat(deprecated).containsExactly(
                "by-label -> label-selector-filter (v0.9.0, v0.11.0)",
                "by-label-selector -> label-selector-filter (v0.9.0, v0.11.0)",
                "pd-profile-handler -> disagg-profile-handler (v0.7.0, v0.9.0)",
                "precise-prefix-cache-scorer -> precise-prefix-cache-producer (v0.10.0, null)",
                "tokenizer -> token-producer (null, null)");
    }

    @Test
    void registryRules() {
        PluginRegistry r = new PluginRegistry().register("a", Stability.ALPHA, (n, p, h) -> null);
        assertThatThrownBy(() -> r.register("a", (n, p, h) -> null)).hasMessage("plugin type registered twice: a");
        r.registerAlias("old-a", "a");
        assertThat(r.find("old-a").orElseThrow().stability()).isEqualTo(Stability.ALPHA);
        assertThat(r.find("old-a").orElseThrow().replacement()).isEqualTo("a");
        assertThatThrownBy(() -> r.registerAlias("x", "missing")).hasMessage("alias x points to unknown type missing");
        assertThatThrownBy(() -> new Registration("t", (n, p, h) -> null, null, Stability.BETA, "v1", null))
                .hasMessage("a deprecated type needs a replacement: t");
        assertThat(Stability.ALPHA.label()).isEqualTo("Alpha");
    }
}
