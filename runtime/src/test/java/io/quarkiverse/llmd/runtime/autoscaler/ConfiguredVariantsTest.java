package io.quarkiverse.llmd.runtime.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.config.ConfigException;

class ConfiguredVariantsTest {

    /** A variant's properties, as the configuration would give them. */
    record Variant(Optional<String> namespace, String model, Optional<String> pool, String accelerator, Role role,
            double cost, int minReplicas, int maxReplicas, Optional<Duration> ttft, Optional<Duration> itl,
            int maxNumSeqs, int maxNumBatchedTokens, Duration coldStart, Optional<String> actuator,
            AutoscalerRuntimeConfig.TargetConfig target) implements AutoscalerRuntimeConfig.VariantConfig {
    }

    record Target(String kind, String apiVersion, Optional<String> name) implements AutoscalerRuntimeConfig.TargetConfig {
    }

    private static Variant variant(Optional<String> pool, int min, int max, Optional<Duration> ttft) {
        return new Variant(Optional.empty(), "m", pool, "H100", Role.DECODE, 12, min, max, ttft, Optional.empty(),
                64, 8192, Duration.ofSeconds(30), Optional.of("knative"),
                new Target("Service", "serving.knative.dev/v1", Optional.of("svc")));
    }

    private static TreeSet<String> pools(String... names) {
        return new TreeSet<>(java.util.List.of(names));
    }

    @Test
    void aVariantBecomesADefinition() {
        VariantDefinition v = ConfiguredVariants.read("v", variant(Optional.empty(), 0, 4,
                Optional.of(Duration.ofMillis(1500))), "llm", pools("only"));
        assertThat(v.pool()).isEqualTo("only");
        assertThat(v.namespace()).isEqualTo("llm");
        assertThat(v.spec().role()).isEqualTo(Role.DECODE);
        assertThat(v.spec().maxNumSeqs()).isEqualTo(64);
        assertThat(v.spec().coldStartSeconds()).isEqualTo(30.0);
        assertThat(v.targets()).hasValueSatisfying(t -> assertThat(t.ttftSeconds()).isEqualTo(1.5));
        assertThat(v.actuator()).hasValue("knative");
        assertThat(v.target()).isEqualTo(new ScaleTarget("llm", "serving.knative.dev/v1", "Service", "svc"));
    }

    @Test
    void badVariantsFailWithThePropertyNamed() {
        assertThatThrownBy(() -> ConfiguredVariants.read("v", variant(Optional.empty(), 1, 2, Optional.empty()),
                "llm", pools("a", "b"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("quarkus.llmd.autoscaler.variants.\"v\"").hasMessageContaining("pool")
                .hasMessageContaining("[a, b]");
        assertThatThrownBy(() -> ConfiguredVariants.read("v", variant(Optional.of("c"), 1, 2, Optional.empty()),
                "llm", pools("a", "b"))).hasMessageContaining("no pool named 'c'");
        assertThatThrownBy(() -> ConfiguredVariants.read("v", variant(Optional.of("a"), 3, 2, Optional.empty()),
                "llm", pools("a"))).isInstanceOf(ConfigException.class).hasMessageContaining("minReplicas");
        assertThatThrownBy(() -> ConfiguredVariants.read("v", variant(Optional.of("a"), 1, 2,
                Optional.of(Duration.ofSeconds(-1))), "llm", pools("a"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ttft");
    }
}
