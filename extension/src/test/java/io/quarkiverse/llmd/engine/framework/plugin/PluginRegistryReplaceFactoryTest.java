package io.quarkiverse.llmd.engine.framework.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PluginRegistryReplaceFactoryTest {

    private static final PluginFactory OLD = (name, parameters, handle) -> null;
    private static final PluginFactory NEW = (name, parameters, handle) -> null;
    private static final PluginFactory OTHER = (name, parameters, handle) -> null;

    @Test
    void replacesTheTypeAndItsAliasesKeepingTheirMetadata() {
        PluginRegistry registry = new PluginRegistry()
                .register("t", Stability.BETA, OLD)
                .registerAlias("old-t", "t", "v0.9.0", "v0.11.0")
                .registerDeprecated("legacy-t", OTHER, "t")
                .register("u", OLD);

        registry.replaceFactory("t", NEW);

        assertThat(registry.find("t").orElseThrow().factory()).isSameAs(NEW);
        assertThat(registry.find("t").orElseThrow().stability()).isEqualTo(Stability.BETA);
        PluginRegistry.Registration alias = registry.find("old-t").orElseThrow();
        assertThat(alias.factory()).isSameAs(NEW);
        assertThat(alias.replacement()).isEqualTo("t");
        assertThat(alias.deprecatedIn()).isEqualTo("v0.9.0");
        assertThat(alias.removalIn()).isEqualTo("v0.11.0");
        // A deprecated type with a factory of its own, and an unrelated type sharing the old factory, are untouched.
        assertThat(registry.find("legacy-t").orElseThrow().factory()).isSameAs(OTHER);
        assertThat(registry.find("u").orElseThrow().factory()).isSameAs(OLD);
    }

    @Test
    void anUnknownTypeIsAnError() {
        assertThatThrownBy(() -> new PluginRegistry().replaceFactory("nope", NEW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }
}
