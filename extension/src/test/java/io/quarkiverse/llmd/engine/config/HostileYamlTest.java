package io.quarkiverse.llmd.engine.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;

/** Configuration text that would make a naive YAML-to-tree conversion recurse forever or blow up is refused. */
class HostileYamlTest {

    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());

    @Test
    void aSelfReferencingAliasIsAConfigErrorNotAStackOverflow() {
        // found by EndpointPickerConfigLoaderFuzzTest
        assertThatThrownBy(() -> loader.load("bomb.yaml", "plugins: &a [*a]\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bomb.yaml")
                .hasMessageContaining("alias refers to a collection that contains it");
        assertThatThrownBy(() -> loader.load("bomb.yaml", "&a {x: *a}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("alias");
    }

    @Test
    void anAliasExpansionPastTheNodeBudgetIsRefused() {
        // 18 levels, each naming the previous twice: 2^18 sequences from a few hundred bytes
        StringBuilder yaml = new StringBuilder("l0: &l0 [x, x]\n");
        for (int i = 1; i <= 18; i++) {
            yaml.append("l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l")
                    .append(i - 1).append("]\n");
        }
        assertThatThrownBy(() -> loader.load("laughs.yaml", yaml.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("laughs.yaml");
    }
}
