package io.quarkiverse.llmd.llmisvc.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ServiceAnnotationsTest {

    private static final String P = ServiceAnnotations.PREFIX;

    @Test
    void everyKeyIsReadIntoTheHints() {
        ServiceAnnotations a = ServiceAnnotations.parse(Map.of(P + "enabled", "true", P + "scheduler-config",
                "epp-config", P + "slo-ttft-ms", "750", P + "slo-itl-ms", "12.5", P + "hardware-class", "H100",
                P + "cost-per-replica", "3.20", P + "min-replicas", "0", P + "max-replicas", "8",
                "serving.kserve.io/stop", "false"));
        assertThat(a.schedulerConfig()).contains(new ConfigMapRef("epp-config", ConfigMapRef.DEFAULT_KEY));
        ServiceScalingHints h = a.hints();
        assertThat(h.ttft()).contains(Duration.ofMillis(750));
        assertThat(h.itl()).contains(Duration.ofMillis(12).plusNanos(500_000));
        assertThat(h.hardwareClass()).contains("H100");
        assertThat(h.costPerReplica()).contains(new BigDecimal("3.20"));
        assertThat(h.minReplicas()).contains(0);
        assertThat(h.maxReplicas()).contains(8);
        assertThat(ServiceAnnotations.parse(Map.of(P + "scheduler-config", "cm/epp.yaml")).schedulerConfig())
                .contains(new ConfigMapRef("cm", "epp.yaml"));
    }

    @Test
    void optInNeedsTrue() {
        assertThat(ServiceAnnotations.optedIn(Map.of(P + "enabled", "true"))).isTrue();
        assertThat(ServiceAnnotations.optedIn(Map.of(P + "enabled", "yes"))).isFalse();
        assertThat(ServiceAnnotations.optedIn(Map.of())).isFalse();
        assertThat(ServiceAnnotations.optedIn(null)).isFalse();
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        assertThatThrownBy(() -> ServiceAnnotations.parse(Map.of(P + "enabled", "yes", P + "slo-ttft-ms", "-3",
                P + "sloitl", "5", P + "scheduler-config", "Bad_Name", P + "cost-per-replica", "cheap",
                P + "max-replicas", "many", P + "hardware-class", "a b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key [llmd.quarkiverse.io/sloitl]")
                .hasMessageContaining("enabled: expected true or false, got 'yes'")
                .hasMessageContaining("slo-ttft-ms: expected a positive number of milliseconds, got '-3'")
                .hasMessageContaining("scheduler-config: expected <configmap> or <configmap>/<key>")
                .hasMessageContaining("cost-per-replica").hasMessageContaining("max-replicas")
                .hasMessageContaining("hardware-class");
    }

    @Test
    void inconsistentBoundsAndZeroTargetsAreRefused() {
        assertThatThrownBy(() -> ServiceAnnotations.parse(Map.of(P + "min-replicas", "5", P + "max-replicas", "2")))
                .hasMessageContaining("min replicas 5 exceeds max replicas 2");
        assertThatThrownBy(() -> ServiceAnnotations.parse(Map.of(P + "max-replicas", "0")))
                .hasMessageContaining("max replicas must be at least 1");
        assertThatThrownBy(() -> ServiceAnnotations.parse(Map.of(P + "slo-itl-ms", "0")))
                .hasMessageContaining("positive");
    }

    @Test
    void aHugeValueIsQuotedBackBounded() {
        String huge = "x".repeat(100_000);
        assertThatThrownBy(() -> ServiceAnnotations.parse(Map.of(P + "slo-ttft-ms", huge)))
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }
}
